<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Comment;

/**
 * Maps comment rows to cms-bridge's four statuses and moderation actions to field changes,
 * per extension. Sources: EXT:blog's status constants in
 * https://github.com/TYPO3GmbH/blog/blob/v13.0/Classes/Domain/Model/Comment.php (STATUS_PENDING = 0,
 * STATUS_APPROVED = 10, STATUS_DECLINED = 50, STATUS_DELETED = 90) and its hidden/deleted columns in
 * https://github.com/TYPO3GmbH/blog/blob/v13.0/Configuration/TCA/tx_blog_domain_model_comment.php;
 * pw_comments' hidden flag and ai_moderation_status (7.x) in
 * https://github.com/teamneusta/pw_comments/blob/7.1.2/ext_tables.sql.
 *
 * EXT:blog: status 0 pending, 10 approved, 50 declined, 90 deleted (its BE module's delete);
 * "declined" is reported as spam, since the blog has no spam state and declined is what an
 * editor uses for it. pw_comments: moderation is the hidden flag only and it has no spam
 * state. cms-bridge represents spam as hidden=1 plus ai_moderation_status='flagged' where
 * that column exists (pw_comments 7.x); on 6.x spam can only be stored as hidden=1 and reads
 * back as pending, and the moderate answer says so. Trash is DataHandler's soft delete
 * (deleted=1, restorable in the recycler) for both; "delete" removes the row for good.
 */
final class CommentStatusMapper
{
    public const PENDING = 'pending';
    public const APPROVED = 'approved';
    public const SPAM = 'spam';
    public const TRASH = 'trash';

    public const ACTIONS = ['approve', 'hold', 'spam', 'unspam', 'trash', 'restore', 'delete'];

    public const BLOG_PENDING = 0;
    public const BLOG_APPROVED = 10;
    public const BLOG_DECLINED = 50;
    public const BLOG_DELETED = 90;

    public const PW_FLAGGED = 'flagged';
    public const SPAM_REASON = 'Marked as spam in cms-bridge';

    /** @param array<string,mixed> $row */
    public static function statusOf(string $source, array $row): string
    {
        if ((int)($row['deleted'] ?? 0) === 1) {
            return self::TRASH;
        }
        $hidden = (int)($row['hidden'] ?? 0) === 1;
        if ($source === CommentSource::BLOG) {
            return match ((int)($row['status'] ?? 0)) {
                self::BLOG_DELETED => self::TRASH,
                self::BLOG_DECLINED => self::SPAM,
                self::BLOG_APPROVED => $hidden ? self::PENDING : self::APPROVED,
                default => self::PENDING,
            };
        }
        if ($hidden) {
            return ($row['ai_moderation_status'] ?? '') === self::PW_FLAGGED ? self::SPAM : self::PENDING;
        }
        return self::APPROVED;
    }

    /**
     * @param array<string,mixed> $row the comment as it is now
     * @param bool $hasAiColumns pw_comments 7.x (ai_moderation_status exists in TCA)
     */
    public static function planFor(string $source, string $action, array $row, bool $hasAiColumns = false): ModerationPlan
    {
        if (!in_array($action, self::ACTIONS, true)) {
            throw new \InvalidArgumentException('Unknown action ' . $action);
        }
        if ($action === 'trash') {
            return new ModerationPlan(ModerationPlan::CMD_DELETE, []);
        }
        if ($action === 'delete') {
            return new ModerationPlan(ModerationPlan::CMD_HARD_DELETE, []);
        }
        // every other action also brings a trashed comment back
        $command = (int)($row['deleted'] ?? 0) === 1 ? ModerationPlan::CMD_UNDELETE : ModerationPlan::CMD_NONE;
        $fields = $source === CommentSource::BLOG
            ? self::blogFields($action, $row)
            : self::pwFields($action, $row, $hasAiColumns);
        return new ModerationPlan($command, $fields);
    }

    /** @param array<string,mixed> $row @return array<string,int|string> */
    private static function blogFields(string $action, array $row): array
    {
        return match ($action) {
            'approve' => ['status' => self::BLOG_APPROVED, 'hidden' => 0],
            'hold', 'unspam' => ['status' => self::BLOG_PENDING, 'hidden' => 0],
            'spam' => ['status' => self::BLOG_DECLINED],
            // restore: out of the trash (deleted=1 or the BE module's status 90) into pending
            'restore' => (int)($row['status'] ?? 0) === self::BLOG_DELETED ? ['status' => self::BLOG_PENDING] : [],
        };
    }

    /** Every field a moderation action may write for this source (for the probe's rights report). @return list<string> */
    public static function fieldsWritten(string $source, bool $hasAiColumns): array
    {
        if ($source === CommentSource::BLOG) {
            return ['status', 'hidden'];
        }
        return $hasAiColumns ? ['hidden', 'ai_moderation_status', 'ai_moderation_reason'] : ['hidden'];
    }

    /** @param array<string,mixed> $row @return array<string,int|string> */
    private static function pwFields(string $action, array $row, bool $hasAiColumns): array
    {
        $fields = match ($action) {
            'approve' => ['hidden' => 0],
            'hold', 'unspam', 'spam' => ['hidden' => 1],
            'restore' => [],
        };
        if ($hasAiColumns) {
            $flagged = ($row['ai_moderation_status'] ?? '') === self::PW_FLAGGED;
            if ($action === 'spam') {
                $fields += ['ai_moderation_status' => self::PW_FLAGGED, 'ai_moderation_reason' => self::SPAM_REASON];
            } elseif ($action === 'approve') {
                $fields['ai_moderation_status'] = 'approved';
            } elseif (in_array($action, ['hold', 'unspam'], true) && $flagged) {
                $fields += ['ai_moderation_status' => '', 'ai_moderation_reason' => ''];
            }
        }
        return $fields;
    }
}
