<?php
/*
 * Plugin Name: wp-harness test tweaks
 * Description: Copied by up.sh into <instance>/wp-content/mu-plugins/. Only what
 *              a loopback test site needs, plus the failure-path flags that
 *              tests switch with WordPressSite.set_flag() (files in
 *              <instance>/flags/, checked on every request).
 */

$wp_harness_flags = getenv('WP_HARNESS_DIR') . '/flags/';

// Anonymous comment posting over REST (POST /wp/v2/comments without auth).
// WordPress core refuses it (401 rest_comment_login_required) unless this filter
// says true. wp-comments-post.php accepts anonymous comments without it.
if (getenv('WP_HARNESS_ANON_REST_COMMENTS') !== '0') {
    add_filter('rest_allow_anonymous_comments', '__return_true');
}

// Core's flood check rejects a second anonymous comment from the same IP
// within 15 s ("You are posting comments too quickly"); every test client is
// 127.0.0.1, so switch it off. Duplicate-content detection stays on.
if (getenv('WP_HARNESS_COMMENT_FLOOD') !== '1') {
    add_filter('wp_is_comment_flood', '__return_false', 99);
}

// No mail transport on the box: short-circuit wp_mail() (install notice,
// comment moderation notices) instead of letting PHPMailer try sendmail.
add_filter('pre_wp_mail', '__return_false');

// Application passwords are normally offered only over HTTPS or when
// WP_ENVIRONMENT_TYPE is 'local' (config.php sets 'local'); force them on so
// tests do not depend on that, unless a test wants them off (flag
// app_passwords_off: REST then rejects them, like a site that disabled them).
add_filter('wp_is_application_passwords_available',
    is_file($wp_harness_flags . 'app_passwords_off') ? '__return_false' : '__return_true', 99);

// Flag xmlrpc_off: "XML-RPC switched off by a filter", as security plugins do.
// Authenticated XML-RPC calls then fail with fault 405
// "XML-RPC services are disabled on this site."
if (is_file($wp_harness_flags . 'xmlrpc_off')) {
    add_filter('xmlrpc_enabled', '__return_false', 99);
}
// Flag display_errors: PHP prints warnings and notices into the response, as on a
// shared host with display_errors = On (the server itself sends them to server.log).
// WordPress's wp_debug_mode() has already run here, so nothing turns it off again.
if (is_file($wp_harness_flags . 'display_errors')) {
    ini_set('display_errors', '1');
}
unset($wp_harness_flags);
