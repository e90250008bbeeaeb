<?php
/**
 * Folds the hooks one request fires for a comment into one event.
 *
 * WordPress fires several hooks per change (wp-includes/comment.php, WordPress/wordpress-develop):
 * wp_trash_comment() calls wp_set_comment_status(), which fires `transition_comment_status`
 * (approved → trash), and then fires `trashed_comment`; wp_update_comment() fires `edit_comment`
 * and then calls wp_transition_comment_status(). Sending each would give cms-bridge two or three
 * events for one click. So every hook records here, and the request's `shutdown` drains one event
 * per comment: the most telling type, the status before the request's first change.
 * Pure PHP (PHPUnit tests it).
 */

namespace CmsBridge\Connector;

final class EventMerger
{
    /** Higher wins; equal rank: the later one wins (trashed then untrashed in one request → untrashed). */
    private const RANK = [
        'comment.edited' => 1,
        'comment.status_changed' => 2,
        'comment.trashed' => 3,
        'comment.untrashed' => 3,
        'comment.spammed' => 3,
        'comment.unspammed' => 3,
        'comment.created' => 4,
        'comment.deleted' => 5,
    ];

    /** @var array<int, array{type:string, previous_status:?string, origin:string, comment:?array}> */
    private $pending = [];

    public static function isType(string $type): bool
    {
        return isset(self::RANK[$type]);
    }

    /**
     * @param ?array $comment a snapshot to send when the comment cannot be read any more (deleted)
     */
    public function record(int $commentId, string $type, ?string $previousStatus, string $origin, ?array $comment = null): void
    {
        if (!self::isType($type)) {
            throw new \InvalidArgumentException("unknown event type {$type}");
        }
        if (!isset($this->pending[$commentId])) {
            $this->pending[$commentId] = [
                'type' => $type, 'previous_status' => $previousStatus, 'origin' => $origin, 'comment' => $comment,
            ];
            return;
        }
        $current = &$this->pending[$commentId];
        if (self::RANK[$type] >= self::RANK[$current['type']]) {
            $current['type'] = $type;
        }
        if ($current['previous_status'] === null && $previousStatus !== null && $current['type'] !== 'comment.created') {
            $current['previous_status'] = $previousStatus;
        }
        if ($origin === 'cms-bridge') {
            $current['origin'] = $origin;
        }
        if ($comment !== null) {
            $current['comment'] = $comment;
        }
    }

    public function isEmpty(): bool
    {
        return $this->pending === [];
    }

    /** @return array<int, array{type:string, previous_status:?string, origin:string, comment:?array}> by comment id, oldest first */
    public function drain(): array
    {
        $out = $this->pending;
        $this->pending = [];
        return $out;
    }
}
