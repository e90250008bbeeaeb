<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Service;

use CmsBridge\Connector\Domain\Payload\InvalidPayload;
use TYPO3\CMS\Core\Authentication\BackendUserAuthentication;
use TYPO3\CMS\Core\DataHandling\DataHandler;
use TYPO3\CMS\Core\Utility\GeneralUtility;

/**
 * Every write of the connector goes through a fresh DataHandler as the impersonated service
 * user, so permissions, history, log, hooks (EXT:blog's cache flush) and slugs apply.
 * A DataHandler is stateful: one new instance per call (TYPO3 Explained, "Using DataHandler").
 */
final class DataHandlerGateway
{
    /**
     * @param array<string,array<int|string,array<string,mixed>>> $data
     * @param array<string,array<int,array<string,mixed>>> $commands
     * @return array<string,int> substNEWwithIDs
     * @throws InvalidPayload code record_not_saved (422) with DataHandler's error log
     */
    public function process(array $data, array $commands = []): array
    {
        $dataHandler = GeneralUtility::makeInstance(DataHandler::class);
        $dataHandler->start($data, $commands, $this->user());
        if ($commands !== []) {
            $dataHandler->process_cmdmap();
        }
        if ($data !== []) {
            $dataHandler->process_datamap();
        }
        $this->assertNoErrors($dataHandler);
        return $dataHandler->substNEWwithIDs;
    }

    /** Removes the row for good; DataHandler's "delete" command only sets deleted=1. */
    public function hardDelete(string $table, int $uid): void
    {
        $dataHandler = GeneralUtility::makeInstance(DataHandler::class);
        $dataHandler->start([], [], $this->user());
        $dataHandler->deleteRecord($table, $uid, false, true);
        $this->assertNoErrors($dataHandler);
    }

    private function assertNoErrors(DataHandler $dataHandler): void
    {
        if ($dataHandler->errorLog !== []) {
            throw new InvalidPayload('record_not_saved', 'Record could not be saved', ['messages' => implode("\n", $dataHandler->errorLog)], 422);
        }
    }

    private function user(): BackendUserAuthentication
    {
        return $GLOBALS['BE_USER'];
    }
}
