<?php
/*
 * Runs PHP code read from stdin inside a harness site's WordPress, from the CLI:
 *   echo "wp_set_comment_status(5, 'spam');" | WP_HARNESS_DIR=<instance> php php-eval.php
 * Used by WordPressSite.php() so tests can change things "in WordPress
 * itself" (as an editor in wp-admin would) without going through the APIs
 * under test. The code runs as the admin user (id 1). Whatever it prints is
 * passed through; a non-null return value is printed too (arrays/objects as
 * JSON). Exits 1 if the code did not run to its end (wp_die(), exit, fatal
 * error), because WordPress's CLI wp_die() would otherwise exit 0.
 */
require __DIR__ . '/cli-load.php';

$wp_harness_done = false;
register_shutdown_function(function () use (&$wp_harness_done) {
    if (!$wp_harness_done) {
        fwrite(STDERR, "php-eval: the code did not run to its end (wp_die, exit or fatal error)\n");
        exit(1);
    }
});

wp_set_current_user(1);
$wp_harness_code = stream_get_contents(STDIN);
$wp_harness_code = preg_replace('/^\s*<\?php\b/', '', $wp_harness_code);
$wp_harness_result = eval($wp_harness_code);
if ($wp_harness_result !== null) {
    echo is_scalar($wp_harness_result) ? $wp_harness_result : json_encode($wp_harness_result);
}
$wp_harness_done = true;
