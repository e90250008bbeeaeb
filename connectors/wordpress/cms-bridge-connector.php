<?php
/**
 * Plugin Name:       cms-bridge connector
 * Plugin URI:        https://github.com/cms-bridge/cms-bridge
 * Description:       Sends signed comment events to cms-bridge as they happen (queued and retried while it is unreachable) and lists changed comments for its sync in one request; records why WordPress held a new comment.
 * Version:           0.2.0
 * Requires at least: 6.1
 * Requires PHP:      7.4
 * Author:            cms-bridge
 * License:           GPL-2.0-or-later
 * Text Domain:       cms-bridge-connector
 *
 * Works as a normal plugin and as a must-use plugin (see mu-loader.php): nothing depends on the
 * activation hook; the queue table is created on first load.
 */

defined('ABSPATH') || exit;

if (!class_exists('CmsBridge\\Connector\\Plugin', false)) {
    foreach (['Signer', 'EventMerger', 'ChangeCursor', 'Backoff', 'HoldReasons', 'CommentShape', 'HoldRecorder', 'Settings', 'Queue', 'Deliverer', 'Rest', 'Admin', 'Plugin'] as $cms_bridge_class) {
        require_once __DIR__ . '/includes/' . $cms_bridge_class . '.php';
    }
    unset($cms_bridge_class);
    CmsBridge\Connector\Plugin::boot();
    if (function_exists('register_deactivation_hook')) {
        register_deactivation_hook(__FILE__, ['CmsBridge\\Connector\\Plugin', 'deactivate']);
    }
}
