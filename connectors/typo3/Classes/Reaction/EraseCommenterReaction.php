<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Reaction;

use CmsBridge\Connector\Domain\Comment\CommentSource;
use CmsBridge\Connector\Domain\Privacy\CommenterErasure;
use CmsBridge\Connector\Service\DataHandlerGateway;
use CmsBridge\Connector\Service\RecordReader;
use Psr\Http\Message\ResponseFactoryInterface;
use Psr\Http\Message\StreamFactoryInterface;
use TYPO3\CMS\Reactions\Model\ReactionInstruction;

/**
 * bridge-erase-commenter (1.3.0): anonymise a commenter's comments (an erasure request), see
 * Domain/Privacy/CommenterErasure. Reads go through the QueryBuilder, every write through one
 * DataHandler call as the service user, so EXT:blog's DataHandler hook flushes the comment's
 * cache tag as for any edit (t3g/blog: Classes/Hooks/DataHandlerHook.php).
 */
class EraseCommenterReaction extends AbstractBridgeReaction
{
    public function __construct(
        ResponseFactoryInterface $responseFactory,
        StreamFactoryInterface $streamFactory,
        private readonly RecordReader $reader,
        private readonly DataHandlerGateway $dataHandler,
    ) {
        parent::__construct($responseFactory, $streamFactory);
    }

    public static function getType(): string
    {
        return 'bridge-erase-commenter';
    }

    public static function getDescription(): string
    {
        return 'cms-bridge: anonymise a commenter\'s comments (erasure request)';
    }

    protected function tablesNeeded(): array
    {
        return array_map([CommentSource::class, 'table'], $this->installedCommentSources());
    }

    protected function fieldsWritten(): array
    {
        $fields = [];
        foreach ($this->installedCommentSources() as $source) {
            $fields[CommentSource::table($source)] = array_keys(CommenterErasure::FIELDS[$source]);
        }
        return $fields;
    }

    protected function handle(array $payload, ReactionInstruction $reaction): array
    {
        $request = CommenterErasure::fromPayload($payload);
        $sources = $this->installedCommentSources();
        $rows = [];
        $more = false;
        foreach ($sources as $source) {
            $table = CommentSource::table($source);
            if ($request->email !== '') {
                $found = $this->reader->commentsByEmail($table, CommenterErasure::EMAIL_COLUMNS[$source], $request->email, CommenterErasure::MAX_PER_REQUEST + 1);
                $more = $more || count($found) > CommenterErasure::MAX_PER_REQUEST;
                foreach (array_slice($found, 0, CommenterErasure::MAX_PER_REQUEST) as $row) {
                    $rows[$source . ':' . $row['uid']] = [$source, $row];
                }
            }
            $uids = array_map(static fn ($id): int => $id->uid, array_filter($request->ids, static fn ($id): bool => $id->source === $source));
            foreach ($this->reader->commentsByUid($table, array_values($uids)) as $row) {
                $rows[$source . ':' . $row['uid']] = [$source, $row];
            }
        }
        $data = [];
        $checks = [];
        foreach ($rows as [$source, $row]) {
            $fields = CommenterErasure::fieldsFor($source, $row);
            if ($fields !== []) {
                $data[CommentSource::table($source)][(int)$row['uid']] = $fields;
                $checks[] = [CommentSource::table($source), $fields, $row];
            }
        }
        $this->assertNothingLost($checks);
        if ($data !== []) {
            $this->dataHandler->process($data);
        }
        $missing = array_values(array_filter(array_map('strval', $request->ids), static fn (string $id): bool => !isset($rows[$id])));
        return [['success' => true, 'anonymised' => array_keys($rows), 'missing' => $missing, 'more' => $more], 200];
    }
}
