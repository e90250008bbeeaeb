<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Reaction;

use CmsBridge\Connector\Domain\Comment\CommentSource;
use CmsBridge\Connector\Domain\Comment\ReplyBuilder;
use CmsBridge\Connector\Domain\Request\ReplyRequest;
use CmsBridge\Connector\Service\CommentFinder;
use CmsBridge\Connector\Service\DataHandlerGateway;
use CmsBridge\Connector\Service\RecordReader;
use Psr\Http\Message\ResponseFactoryInterface;
use Psr\Http\Message\StreamFactoryInterface;
use TYPO3\CMS\Core\Utility\StringUtility;
use TYPO3\CMS\Reactions\Model\ReactionInstruction;

/** bridge-reply: the site team answers a comment (a threaded reply where the extension has threads). */
final class ReplyReaction extends AbstractBridgeReaction
{
    public function __construct(
        ResponseFactoryInterface $responseFactory,
        StreamFactoryInterface $streamFactory,
        private readonly CommentFinder $finder,
        private readonly RecordReader $reader,
        private readonly DataHandlerGateway $dataHandler,
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
        return array_map([CommentSource::class, 'table'], $this->installedCommentSources());
    }

    protected function handle(array $payload, ReactionInstruction $reaction): array
    {
        $request = ReplyRequest::fromPayload($payload);
        $source = $request->parentId->source;
        $table = CommentSource::table($source);
        $parent = $this->finder->rowOrFail($this->installedCommentSources(), $request->parentId);
        $fields = ReplyBuilder::fieldsFor($source, $parent, $request->message, $request->authorName, $request->authorEmail);
        $key = StringUtility::getUniqueId('NEW');
        $ids = $this->dataHandler->process([$table => [$key => $fields]]);
        $row = $this->reader->findRow($table, (int)($ids[$key] ?? 0), true);
        $comment = $this->finder->normalize($source, $row ?? []);
        $comment['user_id'] = 'be_users:' . (int)($GLOBALS['BE_USER']->user['uid'] ?? 0);
        return [['success' => true, 'comment' => $comment], 201];
    }
}
