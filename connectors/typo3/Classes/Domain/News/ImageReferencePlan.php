<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\News;

/**
 * What DataHandler must be told so that a news record ends up with exactly the images of the
 * request in fal_media, in the request's order (contract: README "bridge-upsert-news"):
 *
 * - each requested image, in order, keeps the first live reference not yet taken whose file has
 *   the same content (compared by sys_file.sha1); one without such a reference gets a new one;
 * - every live reference no requested image kept is deleted;
 * - "image": null / "images": [] → every live fal_media reference is deleted.
 * The single "image" of 1.2.0 is the list of one image (decide()); "images" (1.3.0) is decideList().
 *
 * Why deletes must be explicit: DataHandler treats a file field's value as the list of
 * references to (re)attach, not as the complete set. checkValue_file_processDBdata() calls
 * RelationHandler::writeForeignField() for the listed references only and returns their
 * count; references not listed keep pointing at the record
 * (https://github.com/TYPO3-CMS/core/blob/13.4/Classes/DataHandling/DataHandler.php
 * checkValueForFile() and checkValue_file_processDBdata(), same in 12.4;
 * https://github.com/TYPO3-CMS/core/blob/13.4/Classes/Database/RelationHandler.php writeForeignField()).
 * A real TYPO3 12.4/13.4 therefore showed 2, then 3 live references after re-sending an image
 * with connector 1.1.0. An old reference goes only through the command map:
 * $cmdmap['sys_file_reference'][<uid>]['delete'] = 1 (soft delete, deleted = 1).
 *
 * Why the order of the value list is the display order: writeForeignField() walks the listed
 * references in list order and writes `$updateValues[$sortby] = ++$c` into each, where $sortby
 * is the field's foreign_sortby; for a TCA type "file" field TcaPreparation::configureFileReferences()
 * sets foreign_table sys_file_reference, foreign_field uid_foreign, foreign_sortby sorting_foreign,
 * foreign_table_field tablenames and foreign_match_fields fieldname
 * (https://github.com/TYPO3-CMS/core/blob/13.4/Classes/Configuration/Tca/TcaPreparation.php,
 * https://github.com/TYPO3-CMS/core/blob/12.4/Classes/Preparations/TcaPreparation.php). news'
 * fal_media is such a field ('type' => 'file' in
 * https://github.com/georgringer/news/blob/12.3.1/Configuration/TCA/tx_news_domain_model_news.php). So listing kept references in a new order re-sorts them in place
 * (sorting_foreign 1, 2, …): nothing is copied. checkValueForFile() array_unique()s the list.
 *
 * New references: each carries uid_local (the sys_file), tablenames, fieldname, pid and its two
 * editor fields (the columns of https://github.com/TYPO3-CMS/core/blob/13.4/Configuration/TCA/sys_file_reference.php);
 * uid_foreign, tablenames, fieldname and sorting_foreign are (re)written by writeForeignField()
 * from the parent's fal_media list, which names each new "NEW…" id: checkValueForFile() puts a
 * value containing "NEW" on DataHandler's remap stack, and processRemapStack() resolves it once
 * every record of the call exists (DataHandler.php, checkValueForFile(), processRemapStack()).
 *
 * Pure data: Tests/Fixtures/datahandler-plans.json pins these arrays for PHPUnit and for
 * cms-bridge's TYPO3 double.
 */
final class ImageReferencePlan
{
    public const REFERENCE_TABLE = 'sys_file_reference';
    public const FIELD = 'fal_media';
    /** Fields of a new reference row (alternative and news' showinpreview are exclude fields). */
    public const REFERENCE_FIELDS = ['uid_local', 'tablenames', 'fieldname', 'alternative', 'showinpreview'];

    /** True when at least one requested image has no live reference yet (a file must be imported). */
    public readonly bool $needsFile;
    /** The live reference the first requested image keeps (null: none kept, or no image). */
    public readonly ?int $keptReferenceUid;

    /**
     * @param list<array{reference:?int,file:?int,alternative:?string,alt:string}> $slots one per
     *        requested image, in order: the live reference it keeps (null: a new one), that
     *        reference's file and current alternative text, and the requested alt text
     * @param list<int> $deleteUids live references to remove
     */
    private function __construct(
        public readonly array $slots,
        public readonly array $deleteUids,
        private readonly bool $reordered,
    ) {
        $this->needsFile = $this->newSlots() !== [];
        $this->keptReferenceUid = $slots[0]['reference'] ?? null;
    }

    /**
     * The single image of bridge-upsert-news ("image"): the list of one image, or none.
     *
     * @param list<array{uid:int,file_uid:int,file_sha1:?string,alternative:string}> $liveReferences
     *        the record's live fal_media references in display order (sorting_foreign, uid); [] for a new record
     * @param string|null $imageSha1 SHA-1 of the requested image (FAL's sys_file.sha1), null for "image": null
     */
    public static function decide(array $liveReferences, ?string $imageSha1, string $alt = ''): self
    {
        return self::decideList($liveReferences, $imageSha1 === null ? [] : [['sha1' => $imageSha1, 'alt' => $alt]]);
    }

    /**
     * @param list<array{uid:int,file_uid:int,file_sha1:?string,alternative:string}> $liveReferences as for decide()
     * @param list<array{sha1:string,alt:string}> $requested the request's images in order
     */
    public static function decideList(array $liveReferences, array $requested): self
    {
        $taken = [];
        $slots = [];
        foreach ($requested as $image) {
            $kept = null;
            foreach ($liveReferences as $reference) {
                $uid = (int)$reference['uid'];
                if (!isset($taken[$uid]) && $reference['file_sha1'] !== null && hash_equals($reference['file_sha1'], $image['sha1'])) {
                    $kept = $reference;
                    $taken[$uid] = true;
                    break;
                }
            }
            $slots[] = [
                'reference' => $kept === null ? null : (int)$kept['uid'],
                'file' => $kept === null ? null : (int)$kept['file_uid'],
                'alternative' => $kept === null ? null : (string)$kept['alternative'],
                'alt' => $image['alt'],
            ];
        }
        $deleteUids = [];
        $liveKeptOrder = [];
        foreach ($liveReferences as $reference) {
            $uid = (int)$reference['uid'];
            if (isset($taken[$uid])) {
                $liveKeptOrder[] = $uid;
            } else {
                $deleteUids[] = $uid;
            }
        }
        $requestedOrder = array_values(array_filter(array_column($slots, 'reference'), static fn (?int $uid): bool => $uid !== null));
        return new self($slots, $deleteUids, $requestedOrder !== $liveKeptOrder);
    }

    /** @return list<int> the positions of the requested images that need a new reference (and a file) */
    public function newSlots(): array
    {
        return array_keys(array_filter($this->slots, static fn (array $slot): bool => $slot['reference'] === null));
    }

    /** True when a reference is added, removed or moved: the record's fal_media list is written. */
    public function changesReferences(): bool
    {
        return $this->needsFile || $this->deleteUids !== [] || $this->reordered;
    }

    /**
     * The datamap part for the single image (1.2.0 form, new reference id $newReferenceId).
     *
     * @param int|string $newsKey the news uid, or its "NEW…" id when it is created in the same call
     * @param int $pid the news record's page (new references live beside it)
     * @param int|null $fileUid the imported sys_file, required when needsFile
     * @return array<string,array<int|string,array<string,int|string>>>
     */
    public function dataMap(int|string $newsKey, int $pid, ?int $fileUid, string $newReferenceId): array
    {
        return $this->dataMapFor($newsKey, $pid, $fileUid === null ? [] : [0 => $fileUid], [0 => $newReferenceId]);
    }

    /**
     * The datamap part for the images: each new reference, an update of each kept one whose alt
     * text changed, and the parent's fal_media list (in request order) whenever a reference is
     * added, removed or moved. The reaction merges its news fields into
     * $datamap['tx_news_domain_model_news'][$newsKey].
     *
     * @param array<int,int> $fileUids position => the imported sys_file uid, for every newSlots() position
     * @param array<int,string> $newReferenceIds position => a "NEW…" id, for every newSlots() position
     * @return array<string,array<int|string,array<string,int|string>>>
     */
    public function dataMapFor(int|string $newsKey, int $pid, array $fileUids, array $newReferenceIds): array
    {
        foreach ($this->newSlots() as $position) {
            if (($fileUids[$position] ?? 0) <= 0 || !isset($newReferenceIds[$position])) {
                throw new \LogicException('A new image reference needs the imported file uid and a NEW id (position ' . $position . ')');
            }
        }
        return $this->build($newsKey, $pid, $fileUids, $newReferenceIds);
    }

    /**
     * The same datamap before the files are imported, for the field-rights check that must
     * pass before anything (the files included) is written. uid_local is no exclude field, so
     * its placeholder value 0 does not change the outcome.
     *
     * @param string|array<int,string> $newReferenceIds one NEW id (single image) or position => NEW id
     * @return array<string,array<int|string,array<string,int|string>>>
     */
    public function dataMapForRightsCheck(int|string $newsKey, int $pid, string|array $newReferenceIds): array
    {
        return $this->build($newsKey, $pid, [], is_string($newReferenceIds) ? [0 => $newReferenceIds] : $newReferenceIds);
    }

    /**
     * @param array<int,int> $fileUids
     * @param array<int,string> $newIds
     * @return array<string,array<int|string,array<string,int|string>>>
     */
    private function build(int|string $newsKey, int $pid, array $fileUids, array $newIds): array
    {
        $data = [];
        $list = [];
        foreach ($this->slots as $position => $slot) {
            if ($slot['reference'] === null) {
                $data[self::REFERENCE_TABLE][$newIds[$position]] = [
                    'uid_local' => (int)($fileUids[$position] ?? 0),
                    'tablenames' => NewsUpsertRequest::TABLE,
                    'fieldname' => self::FIELD,
                    'pid' => $pid,
                    'alternative' => $slot['alt'],
                    'showinpreview' => 1,
                ];
                $list[] = $newIds[$position];
                continue;
            }
            if ($slot['alternative'] !== $slot['alt']) {
                $data[self::REFERENCE_TABLE][$slot['reference']] = ['alternative' => $slot['alt']];
            }
            $list[] = (string)$slot['reference'];
        }
        if ($this->changesReferences()) {
            $data[NewsUpsertRequest::TABLE][$newsKey][self::FIELD] = implode(',', $list);
        }
        return $data;
    }

    /**
     * The live row a datamap row of sys_file_reference updates (a kept reference), so an
     * unchanged value is not counted as lost by the rights check; null for a new reference.
     *
     * @return array<string,mixed>|null
     */
    public function currentReferenceRow(int|string $key): ?array
    {
        foreach ($this->slots as $slot) {
            if ($slot['reference'] !== null && $slot['reference'] === $key) {
                return ['alternative' => $slot['alternative']];
            }
        }
        return null;
    }

    /**
     * The record's live fal_media references once DataHandler ran, in display order.
     *
     * @param int|string|array<int,int|string> $newReferenceUids the new reference's uid (single
     *        image) or position => uid (or their "NEW…" ids before the write)
     * @return list<int|string>
     */
    public function remainingReferences(int|string|array $newReferenceUids): array
    {
        $new = is_array($newReferenceUids) ? $newReferenceUids : [0 => $newReferenceUids];
        $remaining = [];
        foreach ($this->slots as $position => $slot) {
            $remaining[] = $slot['reference'] ?? $new[$position];
        }
        return $remaining;
    }

    /**
     * The "image" value of the upsert response (single image): null when the record has no image.
     *
     * @return array{file_uid:int,sha256:string,reference_uid:int|string,changed:bool}|null
     */
    public function responseImage(?int $importedFileUid, ?string $sha256, int|string $newReferenceUid): ?array
    {
        if ($sha256 === null || $this->slots === []) {
            return null;
        }
        return $this->responseImages([0 => (int)$importedFileUid], [$sha256], [0 => $newReferenceUid])[0];
    }

    /**
     * The "images" value of the upsert response: one entry per requested image, in order.
     * "changed" is the same for all: whether this request added, removed or moved a reference.
     *
     * @param array<int,int> $importedFileUids position => file uid, for the newSlots() positions
     * @param list<string> $sha256s the requested images' SHA-256, in order
     * @param array<int,int|string> $newReferenceUids position => the new reference's uid
     * @return list<array{file_uid:int,sha256:string,reference_uid:int|string,changed:bool}>
     */
    public function responseImages(array $importedFileUids, array $sha256s, array $newReferenceUids): array
    {
        $images = [];
        foreach ($this->slots as $position => $slot) {
            $new = $slot['reference'] === null;
            $images[] = [
                'file_uid' => $new ? (int)($importedFileUids[$position] ?? 0) : (int)$slot['file'],
                'sha256' => $sha256s[$position],
                'reference_uid' => $new ? $newReferenceUids[$position] : (int)$slot['reference'],
                'changed' => $this->changesReferences(),
            ];
        }
        return $images;
    }

    /** @return array<string,array<int,array<string,int>>> the cmdmap: one soft delete per removed reference */
    public function commandMap(): array
    {
        $commands = [];
        foreach ($this->deleteUids as $uid) {
            $commands[self::REFERENCE_TABLE][$uid]['delete'] = 1;
        }
        return $commands;
    }
}
