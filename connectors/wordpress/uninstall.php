<?php
/**
 * Runs when an admin deletes the plugin in wp-admin (WordPress defines WP_UNINSTALL_PLUGIN and
 * includes this file; see uninstall_plugin() in wp-admin/includes/plugin.php). Removes what the
 * plugin added: its queue table, its options, its cron event and the change stamps and hold reasons in
 * comment meta. Comments themselves are never touched. (Deactivating keeps all of it.)
 */

defined('WP_UNINSTALL_PLUGIN') || exit;

global $wpdb;
$wpdb->query("DROP TABLE IF EXISTS {$wpdb->prefix}cms_bridge_events");
foreach (['cms_bridge_connector_settings', 'cms_bridge_connector_schema', 'cms_bridge_connector_contact',
    'cms_bridge_connector_dropped', 'cms_bridge_connector_pruned'] as $cms_bridge_option) {
    delete_option($cms_bridge_option);
}
delete_metadata('comment', 0, '_cms_bridge_modified', '', true);
delete_metadata('comment', 0, '_cms_bridge_held_because', '', true);
wp_clear_scheduled_hook('cms_bridge_connector_deliver');
