<?php
/*
 * Installed by tests/harness/wordpress/up.sh as /etc/wordpress/config-wpharness.php.
 *
 * Debian's /usr/share/wordpress/wp-config.php loads
 * /etc/wordpress/config-$_SERVER['WORDPRESS_CONFIG'].php when that server
 * variable is set (router.php and the CLI helpers set it to "wpharness").
 * This file only forwards to the per-instance config that up.sh writes into
 * the instance directory named by the WP_HARNESS_DIR environment variable,
 * so any number of throwaway sites (one per port) share this one file.
 */
$wp_harness_dir = getenv('WP_HARNESS_DIR');
if (!$wp_harness_dir || !is_file($wp_harness_dir . '/config.php')) {
    if (PHP_SAPI !== 'cli') {
        header('HTTP/1.0 500 Internal Server Error');
    }
    echo "wp-harness: WP_HARNESS_DIR is unset or has no config.php\n";
    exit(1);
}
require $wp_harness_dir . '/config.php';
