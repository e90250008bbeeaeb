<?php
/*
 * Loads the WordPress of one harness site from the CLI; required by
 * seed-comments.php and php-eval.php (WP_HARNESS_DIR must name the instance).
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
require '/usr/share/wordpress/wp-load.php';
