<?php
/*
 * Router for PHP's built-in web server serving Debian's WordPress
 * (started by server.sh):
 *   WP_HARNESS_DIR=/tmp/wp-harness/8081 PHP_CLI_SERVER_WORKERS=4 \
 *     php -S 127.0.0.1:8081 -t /usr/share/wordpress router.php
 *
 * - selects /etc/wordpress/config-wpharness.php (Debian's wp-config.php reads
 *   $_SERVER['WORDPRESS_CONFIG']; variables set here survive "return false");
 * - answers /__wp-harness/ping with the instance dir, so server.sh can tell
 *   its own server from something else already listening on the port;
 * - honours the test flag <instance>/flags/strip_authorization (see site.py);
 * - serves /wp-content/uploads/* from the instance's own wp-content dir;
 * - sends every path that is not a real file or directory to index.php, so
 *   pretty permalinks and /wp-json/... work like Apache's mod_rewrite rules.
 *
 * Flags are plain files checked on every request: PHP's stat cache lives for
 * one request only and opcache does not cache is_file(), so a flag takes
 * effect on the very next request.
 */
$_SERVER['WORDPRESS_CONFIG'] = 'wpharness';
$instance = getenv('WP_HARNESS_DIR');

$docroot = rtrim($_SERVER['DOCUMENT_ROOT'], '/');
$path = rawurldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '/');

if ($path === '/__wp-harness/ping') {
    header('Content-Type: text/plain');
    echo $instance;
    return true;
}

// Like a host whose web server drops the Authorization header before PHP
// sees it (the classic Apache CGI/FastCGI misconfiguration): WordPress then
// gets no Basic-auth credentials, so application passwords cannot work.
if (is_file($instance . '/flags/strip_authorization')) {
    unset($_SERVER['HTTP_AUTHORIZATION'], $_SERVER['REDIRECT_HTTP_AUTHORIZATION'],
          $_SERVER['PHP_AUTH_USER'], $_SERVER['PHP_AUTH_PW'],
          $_SERVER['PHP_AUTH_DIGEST'], $_SERVER['AUTH_TYPE']);
}

if (strpos($path, '..') !== false) {
    http_response_code(400);
    return true;
}

// Uploads (and anything else in the instance's wp-content that is not a
// theme or plugin shipped in /usr/share/wordpress/wp-content).
if (strncmp($path, '/wp-content/', 12) === 0 && !is_file($docroot . $path)) {
    $file = $instance . $path;
    if (is_file($file) && substr($file, -4) !== '.php') {
        $type = function_exists('mime_content_type') ? mime_content_type($file) : false;
        header('Content-Type: ' . ($type ?: 'application/octet-stream'));
        header('Content-Length: ' . filesize($file));
        readfile($file);
        return true;
    }
}

$file = $docroot . $path;
if ($path !== '/' && is_file($file)) {
    return false;            // real .php (executed) or static file (sent as is)
}
if (is_dir($file) && is_file(rtrim($file, '/') . '/index.php')) {
    if (substr($path, -1) !== '/') {  // /wp-admin -> /wp-admin/
        header('Location: ' . $path . '/', true, 301);
        return true;
    }
    return false;            // directory index, e.g. /wp-admin/
}

// Front controller: pretty permalinks, /wp-json/..., 404s.
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = $docroot . '/index.php';
chdir($docroot);
require $docroot . '/index.php';
return true;
