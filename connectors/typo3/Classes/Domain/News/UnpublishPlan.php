<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\News;

/**
 * The DataHandler arrays of bridge-unpublish.
 *
 * "hide" is a datamap update (hidden = 1); the image references stay live, the record is
 * hidden as a whole. "delete" is the delete command (deleted = 1, restorable in the
 * recycler). DataHandler's delete cascades to inline/file children: deleteRecord() walks the
 * record's inline and file fields and calls deleteAction() for every child unless the field
 * sets behaviour.enableCascadingDelete = false (TYPO3-CMS/core,
 * Classes/DataHandling/DataHandler.php: deleteRecord_procBasedOnFieldType() in 12.4,
 * deleteRecord_procFields() in 13.4). news' fal_media does not set it, so the news record's
 * sys_file_reference rows are soft-deleted with it; nothing extra is sent.
 */
final class UnpublishPlan
{
    /** @return array{datamap:array<string,mixed>,cmdmap:array<string,mixed>} */
    public static function for(int $newsUid, string $mode): array
    {
        if ($mode === 'delete') {
            return ['datamap' => [], 'cmdmap' => [NewsUpsertRequest::TABLE => [$newsUid => ['delete' => 1]]]];
        }
        return ['datamap' => [NewsUpsertRequest::TABLE => [$newsUid => ['hidden' => 1]]], 'cmdmap' => []];
    }

    public static function action(string $mode): string
    {
        return $mode === 'delete' ? 'deleted' : 'hidden';
    }
}
