<?php
/*
 * Non-interactive WordPress install into an empty database, from the CLI
 * (run by up.sh).
 *   WP_HARNESS_DIR=<instance dir> php install.php <url> <admin user> <admin password> [email]
 * Prints KEY=VALUE lines (application password included) on stdout.
 */
if (PHP_SAPI !== 'cli') { exit(1); }
[$_, $url, $user, $pass] = array_slice($argv, 0, 4) + [null, null, null, null];
$email = $argv[4] ?? 'admin@example.com';
if (!$url || !$user || !$pass) {
    fwrite(STDERR, "usage: install.php URL USER PASSWORD [EMAIL]\n");
    exit(2);
}

define('WP_INSTALLING', true);
require __DIR__ . '/cli-load.php';   // host and port come from WP_HOME in config.php
require_once ABSPATH . 'wp-admin/includes/upgrade.php';

if (is_blog_installed()) {
    fwrite(STDERR, "install.php: already installed\n");
    $wp_harness_cli_done = true;   // keep exit status 3
    exit(3);
}

$r = wp_install('wp-harness', $user, $email, true, '', wp_slash($pass));
$user_id = $r['user_id'];

// Pretty permalinks, as on typical real sites (/wp-json/ then works too;
// /?rest_route=/wp/v2/... works either way).
global $wp_rewrite;
$wp_rewrite->set_permalink_structure('/%postname%/');
flush_rewrite_rules(false);   // soft: store rules, write no .htaccess

// Default options worth knowing (left as WordPress ships them):
//   comment_moderation=0, comment_previously_approved=1 -> a new anonymous
//   commenter's first comment is held ('hold' / 0); default_comment_status=open.
update_option('blogdescription', 'throwaway test site');
update_option('timezone_string', 'UTC');

[$app_password, $item] = WP_Application_Passwords::create_new_application_password(
    $user_id, ['name' => 'wp-harness']
);

echo "WP_ADMIN_USER=$user\n";
echo "WP_ADMIN_PASSWORD=$pass\n";
echo "WP_APP_PASSWORD=$app_password\n";
echo "WP_APP_PASSWORD_UUID={$item['uuid']}\n";
echo "WP_ADMIN_ID=$user_id\n";
$wp_harness_cli_done = true;
