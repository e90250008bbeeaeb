<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\News;

/**
 * What DataHandler must be told so that a news record ends up with exactly the image of
 * the request in fal_media (contract: README "bridge-upsert-news", image rules):
 *
 * - same content as a live reference (compared by sys_file.sha1) → that reference stays,
 *   no file is imported, no reference is added; other live references are removed;
 * - another image → every live fal_media reference is deleted and one new one is added;
 * - "image": null → every live fal_media reference is deleted.
 *
 * Why deletes must be explicit: DataHandler treats a file field's value as the list of
 * references to (re)attach, not as the complete set. checkValue_file_processDBdata() calls
 * RelationHandler::writeForeignField() for the listed references only and returns their
 * count; references not listed keep pointing at the record (TYPO3-CMS/core,
 * Classes/DataHandling/DataHandler.php, checkValueForFile() and
 * checkValue_file_processDBdata(), 12.4 and 13.4; Classes/Database/RelationHandler.php
 * writeForeignField()). A real TYPO3 12.4/13.4 therefore showed 2, then 3 live references
 * after re-sending an image with connector 1.1.0. An old reference goes only through the
 * command map: $cmdmap['sys_file_reference'][<uid>]['delete'] = 1 (soft delete, deleted = 1).
 *
 * The new reference carries uid_local, tablenames, fieldname, pid and its two editor fields;
 * uid_foreign, tablenames and fieldname are (re)written by writeForeignField() from the
 * parent's fal_media list, which is why the parent lists the new "NEW…" id: checkValueForFile()
 * puts a value containing "NEW" on DataHandler's remap stack and resolves it once every record
 * of the call exists.
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

    /**
     * @param list<int> $deleteUids live references to remove
     * @param array<string,string> $keptUpdate fields to update on the kept reference
     */
    private function __construct(
        public readonly ?int $keptReferenceUid,
        public readonly ?int $keptFileUid,
        public readonly ?string $keptAlternative,
        public readonly array $deleteUids,
        public readonly bool $needsFile,
        public readonly string $alt,
        private readonly array $keptUpdate,
    ) {}

    /**
     * @param list<array{uid:int,file_uid:int,file_sha1:?string,alternative:string}> $liveReferences
     *        the record's live fal_media references in display order (sorting_foreign, uid); [] for a new record
     * @param string|null $imageSha1 SHA-1 of the requested image (FAL's sys_file.sha1), null for "image": null
     */
    public static function decide(array $liveReferences, ?string $imageSha1, string $alt = ''): self
    {
        $kept = null;
        if ($imageSha1 !== null) {
            foreach ($liveReferences as $reference) {
                if ($reference['file_sha1'] !== null && hash_equals($reference['file_sha1'], $imageSha1)) {
                    $kept = $reference;
                    break;
                }
            }
        }
        $deleteUids = [];
        foreach ($liveReferences as $reference) {
            if ($kept === null || $reference['uid'] !== $kept['uid']) {
                $deleteUids[] = (int)$reference['uid'];
            }
        }
        $keptUpdate = $kept !== null && $kept['alternative'] !== $alt ? ['alternative' => $alt] : [];
        return new self(
            $kept === null ? null : (int)$kept['uid'],
            $kept === null ? null : (int)$kept['file_uid'],
            $kept === null ? null : (string)$kept['alternative'],
            $deleteUids,
            $imageSha1 !== null && $kept === null,
            $alt,
            $keptUpdate,
        );
    }

    /** True when a reference is added or removed: the record's image set changes. */
    public function changesReferences(): bool
    {
        return $this->needsFile || $this->deleteUids !== [];
    }

    /**
     * The datamap part for the image: the new reference (when needed), an update of the kept
     * one (alt text), and the parent's fal_media list whenever the set of references changes.
     * The reaction merges its news fields into $datamap['tx_news_domain_model_news'][$newsKey].
     *
     * @param int|string $newsKey the news uid, or its "NEW…" id when it is created in the same call
     * @param int $pid the news record's page (new references live beside it)
     * @param int|null $fileUid the imported sys_file, required when needsFile
     * @param string $newReferenceId a "NEW…" id for the new reference
     * @return array<string,array<int|string,array<string,int|string>>>
     */
    public function dataMap(int|string $newsKey, int $pid, ?int $fileUid, string $newReferenceId): array
    {
        if ($this->needsFile && ($fileUid === null || $fileUid <= 0)) {
            throw new \LogicException('A new image reference needs the imported file uid');
        }
        return $this->build($newsKey, $pid, (int)$fileUid, $newReferenceId);
    }

    /**
     * The same datamap before the file is imported, for the field-rights check that must
     * pass before anything (the file included) is written. uid_local is no exclude field, so
     * its placeholder value 0 does not change the outcome.
     *
     * @return array<string,array<int|string,array<string,int|string>>>
     */
    public function dataMapForRightsCheck(int|string $newsKey, int $pid, string $newReferenceId): array
    {
        return $this->build($newsKey, $pid, 0, $newReferenceId);
    }

    /** @return array<string,array<int|string,array<string,int|string>>> */
    private function build(int|string $newsKey, int $pid, int $fileUid, string $newReferenceId): array
    {
        $data = [];
        if ($this->needsFile) {
            $data[self::REFERENCE_TABLE][$newReferenceId] = [
                'uid_local' => $fileUid,
                'tablenames' => NewsUpsertRequest::TABLE,
                'fieldname' => self::FIELD,
                'pid' => $pid,
                'alternative' => $this->alt,
                'showinpreview' => 1,
            ];
        } elseif ($this->keptReferenceUid !== null && $this->keptUpdate !== []) {
            $data[self::REFERENCE_TABLE][$this->keptReferenceUid] = $this->keptUpdate;
        }
        if ($this->changesReferences()) {
            $remaining = $this->needsFile ? $newReferenceId : ($this->keptReferenceUid === null ? '' : (string)$this->keptReferenceUid);
            $data[NewsUpsertRequest::TABLE][$newsKey][self::FIELD] = $remaining;
        }
        return $data;
    }

    /**
     * The record's live fal_media references once DataHandler ran.
     *
     * @param int|string $newReferenceUid the new reference's uid (or its "NEW…" id before the write)
     * @return list<int|string>
     */
    public function remainingReferences(int|string $newReferenceUid): array
    {
        if ($this->needsFile) {
            return [$newReferenceUid];
        }
        return $this->keptReferenceUid === null ? [] : [$this->keptReferenceUid];
    }

    /**
     * The "image" value of the upsert response: null when the record has no image.
     *
     * @param int|null $importedFileUid the file FAL stored, when needsFile
     * @param int|string $newReferenceUid the new reference's uid, when needsFile
     * @return array{file_uid:int,sha256:string,reference_uid:int|string,changed:bool}|null
     */
    public function responseImage(?int $importedFileUid, ?string $sha256, int|string $newReferenceUid): ?array
    {
        if ($sha256 === null || (!$this->needsFile && $this->keptReferenceUid === null)) {
            return null;
        }
        return [
            'file_uid' => $this->needsFile ? (int)$importedFileUid : (int)$this->keptFileUid,
            'sha256' => $sha256,
            'reference_uid' => $this->needsFile ? $newReferenceUid : (int)$this->keptReferenceUid,
            'changed' => $this->changesReferences(),
        ];
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
