<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Privacy;

use CmsBridge\Connector\Domain\Comment\CommentId;
use CmsBridge\Connector\Domain\Comment\CommentSource;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;
use CmsBridge\Connector\Domain\Payload\PayloadReader;

/**
 * bridge-erase-commenter (1.3.0): anonymise one person's comments, as WordPress's own
 * personal-data eraser does for its comments (name "Anonymous", e-mail and URL emptied, the text
 * kept). Neither pw_comments nor EXT:blog ships an eraser, so the connector writes the columns
 * that hold the person, per table (the two comment tables the connector handles, CommentSource):
 *
 * - pw_comments (https://github.com/teamneusta/pw_comments/blob/7.1.2/ext_tables.sql):
 *   author_name, author_mail; author_ident (the visitor's fe_users uid or the "ahash" cookie
 *   value: https://github.com/teamneusta/pw_comments/blob/7.1.2/Classes/Controller/CommentController.php
 *   initializeAction()/createAction()); author (the fe_users uid).
 * - EXT:blog (https://github.com/TYPO3GmbH/blog/blob/v13.0/ext_tables.sql): name, email, url.
 *
 * Request: {"email": "<address>" | "", "ids": ["pw_comments:17", …]}: every comment written with
 * that address (compared case-insensitively) and the comments named (cms-bridge's copies of that
 * person's comments), at most MAX_PER_REQUEST per request; the answer says whether more remain.
 */
final class CommenterErasure
{
    public const ANONYMOUS = 'Anonymous';
    public const MAX_IDS = 100;
    public const MAX_PER_REQUEST = 200;

    /** source => the columns written, with their anonymous value. */
    public const FIELDS = [
        CommentSource::PW_COMMENTS => ['author_name' => self::ANONYMOUS, 'author_mail' => '', 'author_ident' => '', 'author' => 0],
        CommentSource::BLOG => ['name' => self::ANONYMOUS, 'email' => '', 'url' => ''],
    ];

    /** source => the column holding the commenter's e-mail address. */
    public const EMAIL_COLUMNS = [
        CommentSource::PW_COMMENTS => 'author_mail',
        CommentSource::BLOG => 'email',
    ];

    /** @param list<CommentId> $ids */
    private function __construct(public readonly string $email, public readonly array $ids) {}

    /** @param array<mixed> $payload @throws InvalidPayload */
    public static function fromPayload(array $payload): self
    {
        $reader = new PayloadReader($payload);
        $email = trim($reader->string('email'));
        if ($email !== '' && filter_var($email, FILTER_VALIDATE_EMAIL) === false) {
            $reader->addProblem('email', 'must be an e-mail address or empty');
        }
        $ids = CommentId::listFrom($reader, 'ids', self::MAX_IDS);
        if ($email === '' && $ids === [] && !isset($reader->problemsSoFar()['ids'])) {
            $reader->addProblem('email', 'give an e-mail address, or the comments in "ids"');
        }
        $reader->assertValid();
        return new self($email, $ids);
    }

    /**
     * The DataHandler datamap fields for one comment row: only the columns that still hold
     * something of the person (an anonymised row gives [] and is not written again).
     *
     * @param array<string,mixed> $row
     * @return array<string,int|string>
     */
    public static function fieldsFor(string $source, array $row): array
    {
        $fields = [];
        foreach (self::FIELDS[$source] as $column => $anonymous) {
            if (array_key_exists($column, $row) && (string)($row[$column] ?? '') !== (string)$anonymous) {
                $fields[$column] = $anonymous;
            }
        }
        return $fields;
    }

    /** Whether a row holds this address (case-insensitive, surrounding blanks ignored). @param array<string,mixed> $row */
    public function matches(string $source, array $row): bool
    {
        return $this->email !== '' && strcasecmp(trim((string)($row[self::EMAIL_COLUMNS[$source]] ?? '')), $this->email) === 0;
    }
}
