<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Reaction;

use CmsBridge\Connector\Domain\Comment\CommentSource;
use CmsBridge\Connector\Domain\Comment\ReplyBuilder;
use CmsBridge\Connector\Domain\Comment\ReplyLedger;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;
use CmsBridge\Connector\Domain\Request\ReplyRequest;
use CmsBridge\Connector\Service\CommentFinder;
use CmsBridge\Connector\Service\DataHandlerGateway;
use CmsBridge\Connector\Service\RecordReader;
use Psr\Http\Message\ResponseFactoryInterface;
use Psr\Http\Message\StreamFactoryInterface;
use TYPO3\CMS\Core\Locking\LockFactory;
use TYPO3\CMS\Core\Utility\StringUtility;
use TYPO3\CMS\Reactions\Model\ReactionInstruction;

/**
 * bridge-reply: the site team answers a comment (a threaded reply where the extension has threads).
 * With a "key", a reply already posted under that key to the same parent is answered
 * (200, "created": false) instead of posting again (see ReplyLedger).
 */
class ReplyReaction extends AbstractBridgeReaction
{
    public function __construct(
        ResponseFactoryInterface $responseFactory,
        StreamFactoryInterface $streamFactory,
        private readonly CommentFinder $finder,
        private readonly RecordReader $reader,
        private readonly DataHandlerGateway $dataHandler,
        private readonly LockFactory $lockFactory,
    ) {
        parent::__construct($responseFactory, $streamFactory);
    }

    public static function getType(): string
    {
        return 'bridge-reply';
    }

    public static function getDescription(): string
    {
        return 'cms-bridge: reply to a comment';
    }

    protected function tablesNeeded(): array
    {
        return [...array_map([CommentSource::class, 'table'], $this->installedCommentSources()), ReplyLedger::TABLE];
    }

    protected function fieldsWritten(): array
    {
        $fields = [];
        foreach ($this->installedCommentSources() as $source) {
            $fields[CommentSource::table($source)] = ReplyBuilder::FIELDS[$source];
        }
        $fields[ReplyLedger::TABLE] = ReplyLedger::FIELDS;
        return $fields;
    }

    protected function handle(array $payload, ReactionInstruction $reaction): array
    {
        $request = ReplyRequest::fromPayload($payload);
        $parent = $this->finder->rowOrFail($this->installedCommentSources(), $request->parentId);
        if ($request->key === null) {
            return [$this->post($request, $parent), 201];
        }
        // Two requests with one key (a retry while the first still runs) must not both post.
        $lock = $this->lockFactory->createLocker(ReplyLedger::lockId($request->key, $request->parentId));
        $lock->acquire();
        try {
            $entry = $this->reader->findReplyLedgerRow($request->key, (string)$request->parentId);
            $replyId = $entry === null ? null : ReplyLedger::replyIdOf($entry);
            $existing = $replyId === null ? null : $this->reader->findRow(CommentSource::table($replyId->source), $replyId->uid, true);
            switch (ReplyLedger::outcome($entry, $existing)) {
                case ReplyLedger::REUSE:
                    return [['success' => true, 'created' => false, 'comment' => $this->answer($replyId->source, $existing)], 200];
                case ReplyLedger::GONE:
                    throw InvalidPayload::notFound(sprintf('The reply with key "%s" was posted as %s and has since been deleted on the site; it is not posted again.', $request->key, $replyId));
                default:
                    return [$this->post($request, $parent), 201];
            }
        } finally {
            $lock->release();
        }
    }

    /** @param array<string,mixed> $parent @return array<string,mixed> the 201 body */
    private function post(ReplyRequest $request, array $parent): array
    {
        $source = $request->parentId->source;
        $table = CommentSource::table($source);
        $fields = ReplyBuilder::fieldsFor($source, $parent, $request->message, $request->authorName, $request->authorEmail);
        $ledgerFields = $request->key === null ? null : ReplyLedger::fieldsFor($request->key, $request->parentId, $source, 1, (int)$fields['pid']);
        // nothing is posted when DataHandler would drop a value of the reply or of its ledger row
        $this->assertNothingLost(
            $ledgerFields === null ? [[$table, $fields, null]] : [[$table, $fields, null], [ReplyLedger::TABLE, $ledgerFields, null]],
            ReplyBuilder::REQUEST_KEYS,
        );
        $new = StringUtility::getUniqueId('NEW');
        $ids = $this->dataHandler->process([$table => [$new => $fields]]);
        $uid = (int)($ids[$new] ?? 0);
        if ($request->key !== null && $uid > 0) {
            $ledgerNew = StringUtility::getUniqueId('NEW');
            $this->dataHandler->process([ReplyLedger::TABLE => [
                $ledgerNew => ReplyLedger::fieldsFor($request->key, $request->parentId, $source, $uid, (int)$fields['pid']),
            ]]);
        }
        return ['success' => true, 'created' => true, 'comment' => $this->answer($source, $this->reader->findRow($table, $uid, true) ?? [])];
    }

    /** @param array<string,mixed> $row @return array<string,mixed> */
    private function answer(string $source, array $row): array
    {
        $comment = $this->finder->normalize($source, $row);
        $comment['user_id'] = 'be_users:' . (int)($GLOBALS['BE_USER']->user['uid'] ?? 0);
        return $comment;
    }
}
