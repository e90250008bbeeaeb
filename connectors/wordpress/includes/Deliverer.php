<?php
/**
 * Sends queued events to cms-bridge, oldest first, each signed (Signer) with its own
 * webhook-id and the time of this attempt.
 *
 * Runs at the end of the request that made a change (so a new comment reaches the inbox at once)
 * and from WP-Cron every minute (hook `cms_bridge_connector_deliver`), which retries what failed.
 * A connection failure or a "try later" answer (Backoff::retriable) stops the run: cms-bridge is
 * down, and the next rows would only fail too. A 2xx marks the row sent; any other 4xx means
 * cms-bridge refused this event for good (its answer is kept in last_error) and the run goes on.
 */

namespace CmsBridge\Connector;

final class Deliverer
{
    public const TIMEOUT = 5;

    /** @return array{sent:int, failed:int} */
    public static function run(int $limit = 50, int $timeout = self::TIMEOUT): array
    {
        $done = ['sent' => 0, 'failed' => 0];
        if (!Settings::configured()) {
            return $done;
        }
        foreach (Queue::claimDue($limit) as $row) {
            [$status, $error] = self::post((string) $row['payload'], (string) $row['webhook_id'], $timeout);
            if ($status >= 200 && $status < 300) {
                Queue::markSent((int) $row['id'], $status);
                $done['sent']++;
                continue;
            }
            if (Backoff::retriable($status)) {
                Queue::markFailed($row, $status, $error);
                $done['failed']++;
                break;
            }
            Queue::markSent((int) $row['id'], $status, 'refused by cms-bridge: ' . $error);
            $done['failed']++;
        }
        return $done;
    }

    /** A signed event that is not queued (the settings page's test, Site Health). @return array{0:int,1:string} */
    public static function ping(string $reason): array
    {
        $body = wp_json_encode([
            'type' => 'ping', 'timestamp' => gmdate('Y-m-d\TH:i:s\Z'),
            'data' => ['reason' => $reason, 'site_url' => home_url(), 'plugin_version' => Plugin::VERSION],
        ]);
        return self::post($body, Signer::newId(), self::TIMEOUT);
    }

    /** @return array{0:int,1:string} HTTP status (0: no answer) and the error, '' if none */
    private static function post(string $body, string $webhookId, int $timeout): array
    {
        $endpoint = Settings::endpoint();
        try {
            $headers = Signer::headers(Settings::secret(), $webhookId, time(), $body);
        } catch (\InvalidArgumentException $e) {
            Settings::recordContact(false, 0, $e->getMessage());
            return [0, $e->getMessage()];
        }
        $response = wp_remote_post($endpoint, [
            'timeout' => $timeout,
            'redirection' => 0,
            'headers' => $headers + [
                'Content-Type' => 'application/json',
                'User-Agent' => 'cms-bridge-connector/' . Plugin::VERSION . '; ' . home_url(),
            ],
            'body' => $body,
        ]);
        if (is_wp_error($response)) {
            $error = "cms-bridge at {$endpoint} did not answer: " . $response->get_error_message();
            Settings::recordContact(false, 0, $error);
            return [0, $error];
        }
        $status = (int) wp_remote_retrieve_response_code($response);
        $ok = $status >= 200 && $status < 300;
        $error = $ok ? '' : "cms-bridge answered {$status}: " . substr((string) wp_remote_retrieve_body($response), 0, 500);
        Settings::recordContact($ok, $status, $ok ? "cms-bridge answered {$status}" : $error);
        return [$status, $error];
    }
}
