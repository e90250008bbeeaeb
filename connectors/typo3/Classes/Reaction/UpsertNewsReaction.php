<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Reaction;

use CmsBridge\Connector\Domain\News\ImageReferencePlan;
use CmsBridge\Connector\Domain\News\NewsUpsertRequest;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;
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
        return [NewsUpsertRequest::TABLE, ImageReferencePlan::REFERENCE_TABLE];
    }

    protected function fieldsWritten(): array
    {
        return [
            NewsUpsertRequest::TABLE => [...NewsUpsertRequest::FIELDS, ImageReferencePlan::FIELD],
            ImageReferencePlan::REFERENCE_TABLE => ImageReferencePlan::REFERENCE_FIELDS,
        ];
    }

    protected function extraProblems(): array
    {
        return $this->falImporter->problems();
    }

    protected function handle(array $payload, ReactionInstruction $reaction): array
    {
        $request = NewsUpsertRequest::fromPayload($payload);
        $fields = $request->newsFields();
        $existing = $this->reader->findNewsByImport($request->importSource, $request->importId);
        $newsKey = $existing !== null ? (int)$existing['uid'] : StringUtility::getUniqueId('NEW');
        $pid = $existing !== null ? (int)$existing['pid'] : (int)($reaction->toArray()['storage_pid'] ?? 0);
        if ($existing === null) {
            $fields['pid'] = $pid;
        }
        $plan = ImageReferencePlan::decideList(
            $existing !== null ? $this->reader->liveImageReferences((int)$existing['uid']) : [],
            $request->requestedImages(),
        );
        $newIds = [];
        foreach ($plan->newSlots() as $position) {
            $newIds[$position] = StringUtility::getUniqueId('NEW');
        }

        // 1. nothing may be lost: check every value against the user's field rights first
        $check = array_replace_recursive([NewsUpsertRequest::TABLE => [$newsKey => $fields]], $plan->dataMapForRightsCheck($newsKey, $pid, $newIds));
        $rows = [];
        foreach ($check as $table => $records) {
            foreach ($records as $key => $row) {
                $rows[] = [$table, $row, $table === NewsUpsertRequest::TABLE ? $existing : $plan->currentReferenceRow($key)];
            }
        }
        $this->assertNothingLost($rows, $request->requestKeys());

        // 2. the files (FAL checks the user's file permissions and mounts), 3. one DataHandler call
        $fileUids = [];
        foreach ($plan->newSlots() as $position) {
            $fileUids[$position] = $this->falImporter->import($request->images[$position])->getUid();
        }
        $data = array_replace_recursive([NewsUpsertRequest::TABLE => [$newsKey => $fields]], $plan->dataMapFor($newsKey, $pid, $fileUids, $newIds));
        $ids = $this->dataHandler->process($data, $plan->commandMap());
        $uid = is_int($newsKey) ? $newsKey : (int)($ids[$newsKey] ?? 0);

        // 4. read back: a value that did not arrive is reported, never called success
        $this->assertSaved($uid, $fields);
        $referenceUids = array_map(static fn (string $id): int => (int)($ids[$id] ?? 0), $newIds);
        $images = $plan->responseImages($fileUids, array_map(static fn ($image): string => $image->sha256, $request->images), $referenceUids);
        $body = [
            'success' => true,
            'action' => $existing !== null ? 'updated' : 'created',
            'uid' => $uid,
            'url' => $this->urls->newsUrl($uid),
            'image' => $images[0] ?? null,
        ];
        if ($request->imagesAsList) {
            $body['images'] = $images;
        }
        return [$body, $existing !== null ? 200 : 201];
    }

    /**
     * DataHandler reports no error when it drops a field (see FieldAccess), so the record is
     * read back: a non-empty value sent that is empty now was not saved.
     *
     * @param array<string,string|int> $fields
     * @throws InvalidPayload 422 record_not_saved
     */
    private function assertSaved(int $uid, array $fields): void
    {
        $row = $uid > 0 ? $this->reader->findRow(NewsUpsertRequest::TABLE, $uid) : null;
        if ($row === null) {
            throw InvalidPayload::notSaved('DataHandler reported no error, but the news record was not saved.');
        }
        $missing = NewsUpsertRequest::notSaved($fields, $row, $uid);
        if ($missing !== []) {
            throw InvalidPayload::notSaved(sprintf('News record %d was saved without %s.', $uid, implode(', ', array_keys($missing))), $missing);
        }
    }
}
