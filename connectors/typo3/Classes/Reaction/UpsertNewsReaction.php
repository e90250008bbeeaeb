<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Reaction;

use CmsBridge\Connector\Domain\News\NewsUpsertRequest;
use CmsBridge\Connector\Service\DataHandlerGateway;
use CmsBridge\Connector\Service\FalImporter;
use CmsBridge\Connector\Service\RecordReader;
use CmsBridge\Connector\Service\UrlBuilder;
use Psr\Http\Message\ResponseFactoryInterface;
use Psr\Http\Message\StreamFactoryInterface;
use TYPO3\CMS\Core\Utility\StringUtility;
use TYPO3\CMS\Reactions\Model\ReactionInstruction;

/** bridge-upsert-news: create or update one news record keyed by import_source/import_id. */
class UpsertNewsReaction extends AbstractBridgeReaction
{
    public function __construct(
        ResponseFactoryInterface $responseFactory,
        StreamFactoryInterface $streamFactory,
        private readonly RecordReader $reader,
        private readonly DataHandlerGateway $dataHandler,
        private readonly FalImporter $falImporter,
        private readonly UrlBuilder $urls,
    ) {
        parent::__construct($responseFactory, $streamFactory);
    }

    public static function getType(): string
    {
        return 'bridge-upsert-news';
    }

    public static function getDescription(): string
    {
        return 'cms-bridge: create or update a news record (with image)';
    }

    protected function tablesNeeded(): array
    {
        return [NewsUpsertRequest::TABLE, 'sys_file_reference'];
    }

    protected function handle(array $payload, ReactionInstruction $reaction): array
    {
        $request = NewsUpsertRequest::fromPayload($payload);
        $fields = $request->newsFields();
        $existing = $this->reader->findNewsByImport($request->importSource, $request->importId);
        $newsKey = $existing !== null ? (int)$existing['uid'] : StringUtility::getUniqueId('NEW');
        if ($existing === null) {
            $fields['pid'] = (int)($reaction->toArray()['storage_pid'] ?? 0);
        }
        $data = [NewsUpsertRequest::TABLE => [$newsKey => $fields]];
        $imageInfo = null;
        if ($request->image !== null) {
            $file = $this->falImporter->import($request->image);
            $referenceKey = StringUtility::getUniqueId('NEW');
            $data['sys_file_reference'][$referenceKey] = [
                'uid_local' => $file->getUid(),
                'uid_foreign' => $newsKey,
                'tablenames' => NewsUpsertRequest::TABLE,
                'fieldname' => 'fal_media',
                'alternative' => $request->image->alt,
                'showinpreview' => 1,
                'pid' => $existing !== null ? (int)$existing['pid'] : $fields['pid'],
            ];
            // an inline field lists its children: this replaces any earlier image reference
            $data[NewsUpsertRequest::TABLE][$newsKey]['fal_media'] = $referenceKey;
            $imageInfo = ['file_uid' => $file->getUid(), 'sha256' => $request->image->sha256];
        }
        $ids = $this->dataHandler->process($data);
        $uid = is_int($newsKey) ? $newsKey : (int)($ids[$newsKey] ?? 0);
        return [[
            'success' => true,
            'action' => $existing !== null ? 'updated' : 'created',
            'uid' => $uid,
            'url' => $this->urls->newsUrl($uid),
            'image' => $imageInfo,
        ], $existing !== null ? 200 : 201];
    }
}
