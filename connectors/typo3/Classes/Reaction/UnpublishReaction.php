<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Reaction;

use CmsBridge\Connector\Domain\News\NewsUpsertRequest;
use CmsBridge\Connector\Domain\News\UnpublishPlan;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;
use CmsBridge\Connector\Domain\Request\UnpublishRequest;
use CmsBridge\Connector\Service\DataHandlerGateway;
use CmsBridge\Connector\Service\RecordReader;
use Psr\Http\Message\ResponseFactoryInterface;
use Psr\Http\Message\StreamFactoryInterface;
use TYPO3\CMS\Reactions\Model\ReactionInstruction;

/** bridge-unpublish: hide or soft-delete a news record the bridge published. */
class UnpublishReaction extends AbstractBridgeReaction
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
        return 'bridge-unpublish';
    }

    public static function getDescription(): string
    {
        return 'cms-bridge: hide or delete a published news record';
    }

    protected function tablesNeeded(): array
    {
        return [NewsUpsertRequest::TABLE];
    }

    protected function fieldsWritten(): array
    {
        return [NewsUpsertRequest::TABLE => ['hidden']];
    }

    protected function handle(array $payload, ReactionInstruction $reaction): array
    {
        $request = UnpublishRequest::fromPayload($payload);
        $row = $request->uid > 0
            ? $this->reader->findRow(NewsUpsertRequest::TABLE, $request->uid)
            : $this->reader->findNewsByImport($request->importSource, $request->importId);
        if ($row === null) {
            throw InvalidPayload::notFound('No news record with that uid or import_source/import_id');
        }
        $uid = (int)$row['uid'];
        $plan = UnpublishPlan::for($uid, $request->mode);
        foreach ($plan['datamap'][NewsUpsertRequest::TABLE] ?? [] as $fields) {
            $this->assertNothingLost([[NewsUpsertRequest::TABLE, $fields, $row]]);
        }
        $this->dataHandler->process($plan['datamap'], $plan['cmdmap']);
        return [['success' => true, 'uid' => $uid, 'action' => UnpublishPlan::action($request->mode)], 200];
    }
}
