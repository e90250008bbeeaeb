<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Reaction;

use CmsBridge\Connector\Domain\Comment\CommentSource;
use CmsBridge\Connector\Domain\Comment\CommentStatusMapper;
use CmsBridge\Connector\Domain\Comment\ModerationPlan;
use CmsBridge\Connector\Domain\Request\ModerateCommentRequest;
use CmsBridge\Connector\Service\CommentFinder;
use CmsBridge\Connector\Service\DataHandlerGateway;
use CmsBridge\Connector\Service\RecordReader;
use Psr\Http\Message\ResponseFactoryInterface;
use Psr\Http\Message\StreamFactoryInterface;
use TYPO3\CMS\Reactions\Model\ReactionInstruction;

/** bridge-moderate-comment: approve / hold / spam / unspam / trash / restore / delete. */
class ModerateCommentReaction extends AbstractBridgeReaction
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
        return 'bridge-moderate-comment';
    }

    public static function getDescription(): string
    {
        return 'cms-bridge: moderate a comment';
    }

    protected function tablesNeeded(): array
    {
        return array_map([CommentSource::class, 'table'], $this->installedCommentSources());
    }

    protected function fieldsWritten(): array
    {
        $fields = [];
        foreach ($this->installedCommentSources() as $source) {
            $table = CommentSource::table($source);
            $fields[$table] = CommentStatusMapper::fieldsWritten($source, isset($GLOBALS['TCA'][$table]['columns']['ai_moderation_status']));
        }
        return $fields;
    }

    protected function handle(array $payload, ReactionInstruction $reaction): array
    {
        $request = ModerateCommentRequest::fromPayload($payload);
        $id = $request->id;
        $table = CommentSource::table($id->source);
        $row = $this->finder->rowOrFail($this->installedCommentSources(), $id);
        $hasAi = isset($GLOBALS['TCA'][$table]['columns']['ai_moderation_status']);
        $plan = CommentStatusMapper::planFor($id->source, $request->action, $row, $hasAi);
        $this->assertNothingLost([[$table, $plan->fields, $row]]);

        if ($plan->command === ModerationPlan::CMD_HARD_DELETE) {
            $this->dataHandler->hardDelete($table, $id->uid);
            return [['success' => true, 'id' => (string)$id, 'status' => null, 'comment' => null], 200];
        }
        $commands = $plan->command === ModerationPlan::CMD_NONE ? [] : [$table => [$id->uid => [$plan->command => 1]]];
        $data = $plan->fields === [] ? [] : [$table => [$id->uid => $plan->fields]];
        if ($commands !== [] || $data !== []) {
            $this->dataHandler->process($data, $commands);
        }
        $comment = $this->finder->normalize($id->source, $this->reader->findRow($table, $id->uid, true) ?? $row);
        return [['success' => true, 'id' => (string)$id, 'status' => $comment['status'], 'comment' => $comment], 200];
    }
}
