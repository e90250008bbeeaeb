<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Service;

use CmsBridge\Connector\Domain\News\ImagePayload;
use TYPO3\CMS\Core\Configuration\ExtensionConfiguration;
use TYPO3\CMS\Core\Resource\File;
use TYPO3\CMS\Core\Resource\ResourceFactory;
use TYPO3\CMS\Core\Utility\GeneralUtility;

/**
 * Stores an uploaded image in the FAL folder from the extension setting imageFolder
 * (default "1:/cms_bridge/"), once per content: the file name derives from its SHA-256.
 * FAL's own storage API does the write, so sys_file is indexed as for any upload.
 */
final class FalImporter
{
    public function __construct(
        private readonly ResourceFactory $resourceFactory,
        private readonly ExtensionConfiguration $extensionConfiguration,
    ) {}

    public function import(ImagePayload $image): File
    {
        $combined = (string)($this->extensionConfiguration->get('cms_bridge_connector', 'imageFolder') ?: '1:/cms_bridge/');
        [$storageUid, $path] = explode(':', $combined, 2) + [1 => '/cms_bridge/'];
        $storage = $this->resourceFactory->getStorageObject((int)$storageUid);
        $folder = $storage->hasFolder($path) ? $storage->getFolder($path) : $storage->createFolder($path);
        if ($storage->hasFileInFolder($image->fileName(), $folder)) {
            return $storage->getFileInFolder($image->fileName(), $folder);
        }
        $temporary = GeneralUtility::tempnam('cms_bridge_');
        GeneralUtility::writeFile($temporary, $image->contents);
        try {
            return $folder->addFile($temporary, $image->fileName());
        } finally {
            GeneralUtility::unlink_tempfile($temporary);
        }
    }
}
