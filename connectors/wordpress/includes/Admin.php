<?php
/**
 * Settings → cms-bridge (Settings API) with "Send test event" and "Deliver queued events now",
 * and a Site Health test ("cms-bridge was reached" / "could not be reached").
 */

namespace CmsBridge\Connector;

final class Admin
{
    public const PAGE = 'cms-bridge-connector';

    public static function register(): void
    {
        add_action('admin_menu', [self::class, 'menu']);
        add_action('admin_init', [self::class, 'settings']);
        add_action('admin_post_cms_bridge_connector_test', [self::class, 'handleTest']);
        add_action('admin_post_cms_bridge_connector_deliver', [self::class, 'handleDeliver']);
        add_filter('site_status_tests', [self::class, 'siteHealthTests']);
    }

    public static function menu(): void
    {
        add_options_page('cms-bridge', 'cms-bridge', 'manage_options', self::PAGE, [self::class, 'render']);
    }

    public static function settings(): void
    {
        register_setting('cms_bridge_connector', Settings::OPTION, [
            'type' => 'array', 'sanitize_callback' => [self::class, 'sanitize'], 'default' => [],
        ]);
        add_settings_section('cms_bridge_main', 'Events to cms-bridge', static function () {
            echo '<p>' . esc_html__('Comment changes are signed and sent to this address as they happen; while cms-bridge cannot be reached they wait in a queue and WP-Cron retries them.', 'cms-bridge-connector') . '</p>';
        }, self::PAGE);
        add_settings_field('endpoint', 'cms-bridge webhook URL', static function () {
            printf('<input type="url" class="regular-text code" name="%s[endpoint]" value="%s" placeholder="https://bridge.example.org/webhooks/wordpress/SITE-ID"%s>',
                esc_attr(Settings::OPTION), esc_attr(Settings::endpoint()), Settings::fromConstants() ? ' readonly' : '');
            echo '<p class="description">' . esc_html__('…/webhooks/wordpress/<site id>, where <site id> is this site\'s id in cms-bridge\'s configuration.', 'cms-bridge-connector') . '</p>';
        }, self::PAGE, 'cms_bridge_main');
        add_settings_field('secret', 'Signing secret', static function () {
            $set = Settings::secret() !== '';
            printf('<input type="password" class="regular-text code" autocomplete="off" name="%s[secret]" value="" placeholder="%s">',
                esc_attr(Settings::OPTION), $set ? esc_attr__('(set — leave empty to keep it)', 'cms-bridge-connector') : 'whsec_…');
            echo '<p class="description">' . esc_html__('The whsec_… value in the environment variable that cms-bridge\'s webhook_secret_env names for this site.', 'cms-bridge-connector') . '</p>';
        }, self::PAGE, 'cms_bridge_main');
    }

    /** Keeps the stored secret when the field is left empty; refuses a malformed URL or secret with a message. */
    public static function sanitize($input): array
    {
        $old = get_option(Settings::OPTION, []);
        $old = is_array($old) ? $old : [];
        $input = is_array($input) ? $input : [];
        $endpoint = isset($input['endpoint']) ? trim((string) $input['endpoint']) : ($old['endpoint'] ?? '');
        if ($endpoint !== '' && !preg_match('#^https?://[^/\s]+/.*webhooks/wordpress/[A-Za-z0-9_.-]+/?$#', $endpoint)) {
            add_settings_error(Settings::OPTION, 'endpoint', sprintf(
                'The webhook URL %s does not look like …/webhooks/wordpress/<site id> on http(s); nothing was changed.', $endpoint));
            return $old;
        }
        $secret = isset($input['secret']) ? trim((string) $input['secret']) : '';
        if ($secret === '') {
            $secret = (string) ($old['secret'] ?? '');
        } else {
            try {
                Signer::keyBytes($secret);
            } catch (\InvalidArgumentException $e) {
                add_settings_error(Settings::OPTION, 'secret', 'Signing secret: ' . $e->getMessage() . '; nothing was changed.');
                return $old;
            }
        }
        return ['endpoint' => esc_url_raw($endpoint), 'secret' => $secret];
    }

    public static function render(): void
    {
        if (!current_user_can('manage_options')) {
            return;
        }
        $notice = get_transient('cms_bridge_connector_notice');
        if ($notice) {
            delete_transient('cms_bridge_connector_notice');
            printf('<div class="notice notice-%s"><p>%s</p></div>', $notice['ok'] ? 'success' : 'error', esc_html($notice['message']));
        }
        $stats = Queue::stats();
        echo '<div class="wrap"><h1>cms-bridge</h1><form method="post" action="options.php">';
        settings_fields('cms_bridge_connector');
        do_settings_sections(self::PAGE);
        submit_button();
        echo '</form><h2>' . esc_html__('Connection', 'cms-bridge-connector') . '</h2>';
        printf('<p>%s</p>', esc_html(sprintf('Events waiting to be delivered: %d%s.', $stats['unsent'],
            $stats['last_error'] ? ' (last error: ' . $stats['last_error'] . ')' : '')));
        foreach (['cms_bridge_connector_test' => 'Send test event', 'cms_bridge_connector_deliver' => 'Deliver queued events now'] as $action => $label) {
            printf('<form method="post" action="%s" style="display:inline-block;margin-right:1em">', esc_url(admin_url('admin-post.php')));
            printf('<input type="hidden" name="action" value="%s">', esc_attr($action));
            wp_nonce_field($action);
            submit_button($label, 'secondary', 'submit', false);
            echo '</form>';
        }
        echo '</div>';
    }

    public static function handleTest(): void
    {
        self::guard('cms_bridge_connector_test');
        if (!Settings::configured()) {
            self::back(false, 'Set the webhook URL and the signing secret first.');
        }
        [$status, $error] = Deliverer::ping('test');
        self::back($status >= 200 && $status < 300, $error === '' ? "cms-bridge answered {$status}: the test event arrived." : $error);
    }

    public static function handleDeliver(): void
    {
        self::guard('cms_bridge_connector_deliver');
        Queue::makeDue();
        $done = Deliverer::run(200);
        $left = Queue::stats()['unsent'];
        self::back($left === 0, sprintf('%d delivered, %d still waiting.', $done['sent'], $left));
    }

    private static function guard(string $action): void
    {
        if (!current_user_can('manage_options')) {
            wp_die(esc_html__('Sorry, you are not allowed to do that.', 'cms-bridge-connector'), 403);
        }
        check_admin_referer($action);
    }

    private static function back(bool $ok, string $message): void
    {
        set_transient('cms_bridge_connector_notice', ['ok' => $ok, 'message' => $message], 60);
        wp_safe_redirect(admin_url('options-general.php?page=' . self::PAGE));
        exit;
    }

    public static function siteHealthTests(array $tests): array
    {
        $tests['direct']['cms_bridge_connector'] = [
            'label' => 'cms-bridge connection', 'test' => [self::class, 'siteHealthTest'],
        ];
        return $tests;
    }

    /** Uses the last delivery's result when it is recent, else sends a ping; tells the queue's backlog. */
    public static function siteHealthTest(): array
    {
        $result = [
            'label' => '', 'status' => 'good', 'badge' => ['label' => 'cms-bridge', 'color' => 'blue'],
            'description' => '', 'actions' => sprintf('<p><a href="%s">%s</a></p>',
                esc_url(admin_url('options-general.php?page=' . self::PAGE)), esc_html__('cms-bridge settings', 'cms-bridge-connector')),
            'test' => 'cms_bridge_connector',
        ];
        if (!Settings::configured()) {
            $result['status'] = 'recommended';
            $result['label'] = 'cms-bridge events are not set up';
            $result['description'] = '<p>' . esc_html__('Without a webhook URL and secret, cms-bridge only sees comment changes when its sync polls.', 'cms-bridge-connector') . '</p>';
            return $result;
        }
        $contact = Settings::lastContact();
        if (!$contact || $contact['time'] < time() - 600 || !$contact['ok']) {
            Deliverer::ping('site-health');
            $contact = Settings::lastContact();
        }
        $stats = Queue::stats();
        $backlog = sprintf(' %d event(s) are waiting to be delivered.', $stats['unsent']);
        if ($contact && $contact['ok']) {
            $result['label'] = 'cms-bridge was reached';
            $result['description'] = '<p>' . esc_html(sprintf('%s (%s UTC).%s', $contact['message'], gmdate('Y-m-d H:i:s', $contact['time']), $stats['unsent'] ? $backlog : '')) . '</p>';
            return $result;
        }
        $result['status'] = 'critical';
        $result['badge']['color'] = 'red';
        $result['label'] = 'cms-bridge could not be reached';
        $result['description'] = '<p>' . esc_html(($contact['message'] ?? 'no answer') . '.' . $backlog . ' They are kept and retried every minute.') . '</p>';
        return $result;
    }
}
