<?php
/**
 * When the queue tries an event again: 30 s, 1, 2, 4 … minutes, at most an hour, with up to 10 %
 * jitter so many sites coming back after an outage do not all knock at once. Never gives up:
 * an event stays queued until cms-bridge takes it (the queue's size cap is in Queue). Pure PHP.
 */

namespace CmsBridge\Connector;

final class Backoff
{
    public const FIRST = 30;
    public const MAX = 3600;

    /** @param float $jitter 0..1 (random in production, fixed in tests) */
    public static function delay(int $attempts, float $jitter = 0.0): int
    {
        $attempts = max(1, $attempts);
        $base = $attempts > 8 ? self::MAX : min(self::MAX, self::FIRST * (2 ** ($attempts - 1)));
        return (int) round($base * (1 + 0.1 * max(0.0, min(1.0, $jitter))));
    }

    /** Whether an HTTP answer means "try again later" (cms-bridge down or refusing for now). */
    public static function retriable(int $status): bool
    {
        return $status === 0 || $status === 401 || $status === 404 || $status === 408 || $status === 409
            || $status === 429 || $status >= 500;
    }
}
