<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Access;

/**
 * Whether the service user may store an image in the connector's image folder, by the rules
 * FAL applies to a backend user, and what to grant when not.
 *
 * In a normal backend request FAL restricts a non-admin: StoragePermissionsAspect (an
 * AfterResourceStorageInitializationEvent listener) turns on evaluatePermissions and adds the
 * user's file permissions and file mounts to each storage, but only when
 * $GLOBALS['TYPO3_REQUEST'] is a backend request (TYPO3-CMS/core,
 * Classes/Resource/Security/StoragePermissionsAspect.php, 12.4 and 13.4). A reaction never sets
 * $GLOBALS['TYPO3_REQUEST']: ReactionResolver is a middleware that answers before the backend
 * RequestHandler (the only place that sets it, TYPO3-CMS/backend Classes/Http/RequestHandler.php)
 * runs (TYPO3-CMS/reactions Configuration/RequestMiddlewares.php, Classes/Http/Middleware/
 * ReactionResolver.php). So inside a reaction ResourceStorage::$evaluatePermissions stays false
 * and every check passes — which is why an upload worked on real TYPO3 with no file
 * permissions and a mount on a missing folder. The connector therefore applies the same
 * restrictions itself (Service/FalImporter) and asks this class first, to name what is missing.
 *
 * The rules mirrored (TYPO3-CMS/core Classes/Resource/ResourceStorage.php, 12.4 and 13.4):
 * hasFolder()/getFolder()/hasFileInFolder() need "readFolder"; addFile() needs "addFile" and
 * checkFolderActionPermission('write') = "writeFolder" + the folder inside a file mount that
 * is not read-only (isWithinFileMountBoundaries($folder, true)); createFolder() needs
 * "addFolder" on a parent inside a writable mount. addFileMount() refuses a mount whose folder
 * does not exist, and the aspect then skips it silently.
 */
final class FileWriteAccess
{
    /**
     * @param array<string,bool> $permissions the user's file permissions for the storage (addFile, readFolder, …)
     * @param list<array{path:string,read_only:bool,exists:bool,title:string}> $mounts the user's file mounts on this storage
     * @param string $folder the image folder's path in the storage, e.g. "/cms_bridge/"
     * @return list<string> what is missing; empty when the upload is allowed
     */
    public static function problems(bool $admin, array $permissions, array $mounts, int $storageUid, string $folder, bool $folderExists): array
    {
        if ($admin) {
            return [];
        }
        $target = $storageUid . ':' . self::normalize($folder);
        $needed = ['readFolder' => 'Directory: Read', 'writeFolder' => 'Directory: Write', 'addFile' => 'Files: Add'];
        if (!$folderExists) {
            $needed['addFolder'] = 'Directory: Add';
        }
        $problems = [];
        $missing = [];
        foreach ($needed as $permission => $label) {
            if (empty($permissions[$permission])) {
                $missing[] = sprintf('"%s" (%s)', $label, $permission);
            }
        }
        if ($missing !== []) {
            $problems[] = sprintf('The service user may not store images in %s: give its group the file permissions %s ("Fileoperation permissions").', $target, implode(', ', $missing));
        }
        $writable = false;
        $readOnlyMatch = false;
        foreach ($mounts as $mount) {
            if (!$mount['exists']) {
                $problems[] = sprintf('File mount "%s" points to %d:%s, which does not exist; TYPO3 ignores such a mount. Create the folder first (Filelist), then the mount.', $mount['title'], $storageUid, $mount['path']);
                continue;
            }
            if (self::isWithin(self::normalize($mount['path']), self::normalize($folder))) {
                if ($mount['read_only']) {
                    $readOnlyMatch = true;
                } else {
                    $writable = true;
                }
            }
        }
        if (!$writable) {
            $problems[] = $readOnlyMatch
                ? sprintf('The service user\'s file mount on %s is read-only: clear "Read-only" on the file mount.', $target)
                : sprintf('The service user has no file mount containing %s: create the folder (Filelist), a file mount on it (or a parent) and add the mount to the group\'s "File Mounts".', $target);
        }
        return $problems;
    }

    private static function normalize(string $path): string
    {
        return '/' . trim($path, '/') . ($path === '/' || trim($path, '/') === '' ? '' : '/');
    }

    private static function isWithin(string $mount, string $folder): bool
    {
        return $mount === '/' || str_starts_with($folder, $mount);
    }
}
