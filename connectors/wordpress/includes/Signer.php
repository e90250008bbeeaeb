<?php
/**
 * Standard Webhooks signing (https://www.standardwebhooks.com), the scheme cms-bridge's
 * webhooks/signatures.py verifies with the `standardwebhooks` package:
 *
 *   webhook-id:        msg_<hex>         (the same on every retry of one event: the receiver's dedupe key)
 *   webhook-timestamp: <unix seconds>    (the time of this attempt; the receiver allows 5 minutes either way)
 *   webhook-signature: v1,<base64 HMAC-SHA256 over "<id>.<timestamp>.<body>">
 *
 * The secret is "whsec_" + base64 of the key bytes; the HMAC uses the decoded bytes.
 * Pure PHP: no WordPress function, so PHPUnit tests it without WordPress.
 */

namespace CmsBridge\Connector;

final class Signer
{
    public const PREFIX = 'whsec_';

    /** The key bytes of a whsec_… secret; InvalidArgumentException says what is wrong with it. */
    public static function keyBytes(string $secret): string
    {
        $secret = trim($secret);
        if ($secret === '') {
            throw new \InvalidArgumentException('the signing secret is empty: paste the whsec_… value cms-bridge gave you');
        }
        if (strpos($secret, self::PREFIX) === 0) {
            $secret = substr($secret, strlen(self::PREFIX));
        }
        $bytes = base64_decode($secret, true);
        if ($bytes === false || strlen($bytes) < 16) {
            throw new \InvalidArgumentException(
                'the signing secret is not a whsec_ value with at least 16 bytes of base64 after the prefix'
            );
        }
        return $bytes;
    }

    public static function signature(string $secret, string $id, int $timestamp, string $body): string
    {
        $mac = hash_hmac('sha256', $id . '.' . $timestamp . '.' . $body, self::keyBytes($secret), true);
        return 'v1,' . base64_encode($mac);
    }

    /** @return array<string,string> the three headers of one delivery attempt */
    public static function headers(string $secret, string $id, int $timestamp, string $body): array
    {
        return [
            'webhook-id' => $id,
            'webhook-timestamp' => (string) $timestamp,
            'webhook-signature' => self::signature($secret, $id, $timestamp, $body),
        ];
    }

    /** A new webhook-id: random, so two sites (or a restored database) never reuse one. */
    public static function newId(): string
    {
        return 'msg_' . bin2hex(random_bytes(12));
    }
}
