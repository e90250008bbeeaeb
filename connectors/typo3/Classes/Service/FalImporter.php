<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Service;

use CmsBridge\Connector\Domain\Access\FileWriteAccess;
use CmsBridge\Connector\Domain\News\ImagePayload;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;
use TYPO3\CMS\Core\Authentication\BackendUserAuthentication;
use TYPO3\CMS\Core\Configuration\ExtensionConfiguration;
use TYPO3\CMS\Core\Resource\Exception as ResourceException;
use TYPO3\CMS\Core\Resource\Exception\FolderDoesNotExistException;
use TYPO3\CMS\Core\Resource\Exception\IllegalFileExtensionException;
use TYPO3\CMS\Core\Resource\Exception\InsufficientFileAccessPermissionsException;
use TYPO3\CMS\Core\Resource\Exception\InsufficientFolderAccessPermissionsException;
use TYPO3\CMS\Core\Resource\Exception\InsufficientUserPermissionsException;
use TYPO3\CMS\Core\Resource\File;
use TYPO3\CMS\Core\Resource\Folder;
use TYPO3\CMS\Core\Resource\ResourceFactory;
use TYPO3\CMS\Core\Resource\ResourceStorage;
use TYPO3\CMS\Core\Utility\GeneralUtility;

/**
 * Stores an uploaded image in the FAL folder from the extension setting imageFolder
 * (default "1:/cms_bridge/"), once per content: the file name derives from its SHA-256.
 * FAL's own storage API does the write, so sys_file is indexed as for any upload.
 *
 * FAL does not restrict a reaction's user on its own (see Domain/Access/FileWriteAccess):
 * this class applies the service user's file permissions and file mounts to the storage,
 * as TYPO3's StoragePermissionsAspect does for backend requests, and refuses with 403
 * "forbidden" naming what to grant before anything is written.
 */
final class FalImporter
{
    private const DEFAULT_FOLDER = '1:/cms_bridge/';

    public function __construct(
        private readonly ResourceFactory $resourceFactory,
        private readonly ExtensionConfiguration $extensionConfiguration,
    ) {}

    /** @return array{0:int,1:string} storage uid and folder path */
    public function imageFolder(): array
    {
        $combined = (string)($this->extensionConfiguration->get('cms_bridge_connector', 'imageFolder') ?: self::DEFAULT_FOLDER);
        [$storageUid, $path] = explode(':', $combined, 2) + [1 => '/cms_bridge/'];
        return [(int)$storageUid, '/' . trim($path, '/') . '/'];
    }

    /** @return list<string> why the service user may not store images; empty when it may */
    public function problems(): array
    {
        [$storageUid, $path] = $this->imageFolder();
        $user = $this->user();
        if ($user->isAdmin()) {
            return [];
        }
        try {
            $storage = $this->resourceFactory->getStorageObject($storageUid);
        } catch (\Throwable $e) {
            return [sprintf('The image folder %d:%s names no usable file storage (%s): fix "imageFolder" in the extension settings.', $storageUid, $path, $e->getMessage())];
        }
        if ($storage->getEvaluatePermissions()) {
            // already restricted in this request: FAL itself will enforce, names come from its exceptions
            return [];
        }
        $mounts = [];
        foreach ($this->fileMountsOn($storageUid) as [$mountPath, $row]) {
            $mounts[] = [
                'path' => $mountPath,
                'read_only' => (bool)($row['read_only'] ?? false),
                'exists' => $storage->hasFolder($mountPath),
                'title' => (string)($row['title'] ?? $row['identifier']),
            ];
        }
        return FileWriteAccess::problems(false, $this->permissionsFor($storage), $mounts, $storageUid, $path, $storage->hasFolder($path));
    }

    /** @throws InvalidPayload 403 forbidden when the service user may not store the image, 422 when FAL fails otherwise */
    public function import(ImagePayload $image): File
    {
        $problems = $this->problems();
        if ($problems !== []) {
            throw InvalidPayload::forbidden(implode(' ', $problems), ['image' => 'the service user may not store images in the image folder']);
        }
        [$storageUid, $path] = $this->imageFolder();
        $storage = $this->resourceFactory->getStorageObject($storageUid);
        $this->restrict($storage);
        try {
            $folder = $storage->hasFolder($path) ? $storage->getFolder($path) : $this->createFolder($storage, $path);
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
        } catch (InsufficientFolderAccessPermissionsException|InsufficientFileAccessPermissionsException|InsufficientUserPermissionsException|IllegalFileExtensionException|FolderDoesNotExistException $e) {
            throw InvalidPayload::forbidden(sprintf('FAL refused to store the image in %d:%s: %s', $storageUid, $path, $e->getMessage()), ['image' => $e->getMessage()]);
        } catch (ResourceException $e) {
            throw InvalidPayload::notSaved(sprintf('FAL could not store the image in %d:%s: %s', $storageUid, $path, $e->getMessage()), ['image' => $e->getMessage()]);
        }
    }

    /**
     * Creates the image folder inside its parent. Not createFolder($path) alone: with file mounts
     * applied, ResourceStorage::createFolder() without a parent creates below
     * getRootLevelFolder(), which is then the first file mount, not the storage root.
     */
    private function createFolder(ResourceStorage $storage, string $path): Folder
    {
        $name = basename(rtrim($path, '/'));
        $parentPath = '/' . trim(dirname(rtrim($path, '/')), '/');
        $parentPath = $parentPath === '/' ? '/' : $parentPath . '/';
        if (!$storage->hasFolder($parentPath)) {
            throw InvalidPayload::forbidden(sprintf('The image folder %d:%s cannot be created because %s does not exist: create the image folder in the Filelist module.', $storage->getUid(), $path, $parentPath), ['image' => 'the image folder does not exist']);
        }
        return $storage->createFolder($name, $storage->getFolder($parentPath));
    }

    /**
     * Turns on FAL's own checks for the service user, as StoragePermissionsAspect does in a
     * backend request: evaluatePermissions, the user's file permissions for this storage and
     * its file mounts (a mount on a missing folder is skipped, as there).
     */
    private function restrict(ResourceStorage $storage): void
    {
        $user = $this->user();
        if ($user->isAdmin() || $storage->getEvaluatePermissions()) {
            return;
        }
        $storage->setEvaluatePermissions(true);
        $storage->setUserPermissions($this->permissionsFor($storage));
        foreach ($this->fileMountsOn($storage->getUid()) as [$mountPath, $row]) {
            try {
                $storage->addFileMount($mountPath, $row);
            } catch (FolderDoesNotExistException) {
                // TYPO3 skips a mount whose folder is missing; problems() has said so
            }
        }
    }

    /**
     * The user's file mount records on one storage ("<storage>:<path>" identifiers, as
     * StoragePermissionsAspect reads them), with their path.
     *
     * @return list<array{0:string,1:array<string,mixed>}>
     */
    private function fileMountsOn(int $storageUid): array
    {
        $mounts = [];
        foreach ($this->user()->getFileMountRecords() as $row) {
            [$base, $path] = explode(':', (string)($row['identifier'] ?? ''), 2) + [1 => ''];
            if ($path !== '' && (int)$base === $storageUid) {
                $mounts[] = [$path, $row];
            }
        }
        return $mounts;
    }

    /**
     * The user's file permissions, overlaid with user TSconfig permissions.file.storage.<uid>.
     * (BackendUserAuthentication::getFilePermissions() exists in 12.4 and 13.4; the storage
     * overlay is StoragePermissionsAspect::getFilePermissionsForStorage() in 13.4 and
     * BackendUserAuthentication::getFilePermissionsForStorage() in 12.4.)
     *
     * @return array<string,bool>
     */
    private function permissionsFor(ResourceStorage $storage): array
    {
        $user = $this->user();
        $permissions = $user->getFilePermissions();
        foreach ($user->getTSConfig()['permissions.']['file.']['storage.'][$storage->getUid() . '.'] ?? [] as $permission => $value) {
            $permissions[$permission] = (bool)$value;
        }
        return $permissions;
    }

    private function user(): BackendUserAuthentication
    {
        return $GLOBALS['BE_USER'];
    }
}
