<?php
/**
 * Where events go and the secret that signs them: the settings page's option, or constants in
 * wp-config.php (CMS_BRIDGE_ENDPOINT, CMS_BRIDGE_SECRET), which win: a site deployed as an
 * mu-plugin from code keeps its secret out of the database that way.
 */

namespace CmsBridge\Connector;

final class Settings
{
    public const OPTION = 'cms_bridge_connector_settings';

    public static function endpoint(): string
    {
        if (defined('CMS_BRIDGE_ENDPOINT') && CMS_BRIDGE_ENDPOINT) {
            return (string) CMS_BRIDGE_ENDPOINT;
        }
        $opt = get_option(self::OPTION, []);
        return is_array($opt) ? (string) ($opt['endpoint'] ?? '') : '';
    }

    public static function secret(): string
    {
        if (defined('CMS_BRIDGE_SECRET') && CMS_BRIDGE_SECRET) {
            return (string) CMS_BRIDGE_SECRET;
        }
        $opt = get_option(self::OPTION, []);
        return is_array($opt) ? (string) ($opt['secret'] ?? '') : '';
    }

    public static function configured(): bool
    {
        return self::endpoint() !== '' && self::secret() !== '';
    }

    /** Whether the settings come from wp-config.php constants (the page then shows them read-only). */
    public static function fromConstants(): bool
    {
        return defined('CMS_BRIDGE_ENDPOINT') && CMS_BRIDGE_ENDPOINT !== '';
    }

    /** The result of the last delivery attempt, for Site Health and the settings page. */
    public static function recordContact(bool $ok, int $status, string $message): void
    {
        update_option('cms_bridge_connector_contact', [
            'ok' => $ok, 'status' => $status, 'message' => substr($message, 0, 500), 'time' => time(),
        ], false);
    }

    /** @return array{ok:bool, status:int, message:string, time:int}|null */
    public static function lastContact(): ?array
    {
        $c = get_option('cms_bridge_connector_contact', null);
        return is_array($c) ? $c : null;
    }
}
