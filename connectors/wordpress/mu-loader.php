<?php
/**
 * Plugin Name: cms-bridge connector (must-use loader)
 * Description: Loads wp-content/mu-plugins/cms-bridge-connector/ — WordPress loads only the .php files directly in mu-plugins/.
 *
 * Copy the unzipped cms-bridge-connector/ folder into wp-content/mu-plugins/ and this file beside it.
 */

defined('ABSPATH') || exit;

require_once __DIR__ . '/cms-bridge-connector/cms-bridge-connector.php';
