<?php
/*
 * Runs PHP code read from stdin inside a harness site's WordPress, from the CLI:
 *   echo "wp_set_comment_status(5, 'spam');" | WP_HARNESS_DIR=<instance> php php-eval.php
 * Used by WordPressSite.php() so tests can change things "in WordPress
 * itself" (as an editor in wp-admin would) without going through the APIs
 * under test. The code runs as the admin user (id 1). Whatever it prints is
 * passed through; a non-null return value is printed too (arrays/objects as
 * JSON). Exits 1 if the code did not run to its end (wp_die(), exit, fatal
 * error; see cli-load.php).
 */
require __DIR__ . '/cli-load.php';

wp_set_current_user(1);
$wp_harness_code = stream_get_contents(STDIN);
$wp_harness_code = preg_replace('/^\s*<\?php\b/', '', $wp_harness_code);
$wp_harness_result = eval($wp_harness_code);
if ($wp_harness_result !== null) {
    echo is_scalar($wp_harness_result) ? $wp_harness_result : json_encode($wp_harness_result);
}
$wp_harness_cli_done = true;
