<?php
/*
 * Loads the WordPress of one harness site from the CLI; required by
 * install.php, seed-comments.php and php-eval.php (WP_HARNESS_DIR must name
 * the instance).
 *
 * Debian's wp-config.php needs $_SERVER['WORDPRESS_CONFIG'] (and a Host) to
 * find its config file; without them it prints "Neither ... could be found"
 * and exits. WordPress itself expects a few request variables to exist.
 */
if (PHP_SAPI !== 'cli') { exit(1); }
$wp_harness_dir = getenv('WP_HARNESS_DIR');
if (!$wp_harness_dir || !is_file($wp_harness_dir . '/config.php')) {
    fwrite(STDERR, "wp-harness: WP_HARNESS_DIR is unset or has no config.php\n");
    exit(2);
}
$cfg = file_get_contents($wp_harness_dir . '/config.php');
preg_match("/'WP_HOME', 'https?:\\/\\/([^']+)'/", $cfg, $m);
$_SERVER['WORDPRESS_CONFIG'] = 'wpharness';
$_SERVER['HTTP_HOST'] = $m[1] ?? '127.0.0.1';
$_SERVER['SERVER_NAME'] = '127.0.0.1';
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['REQUEST_METHOD'] = 'GET';
$_SERVER['REMOTE_ADDR'] = '127.0.0.1';
unset($cfg, $m);

// WordPress's CLI wp_die() (e.g. "Error establishing a database connection")
// prints and exits with status 0. Scripts set $wp_harness_cli_done = true when
// they finish; anything else ends with status 1 so callers notice.
$wp_harness_cli_done = false;
register_shutdown_function(function () {
    if (empty($GLOBALS['wp_harness_cli_done'])) {
        fwrite(STDERR, basename($_SERVER['SCRIPT_FILENAME'] ?? 'wp-harness')
            . ": did not run to its end (wp_die, exit or fatal error; see above)\n");
        exit(1);
    }
});

require '/usr/share/wordpress/wp-load.php';
