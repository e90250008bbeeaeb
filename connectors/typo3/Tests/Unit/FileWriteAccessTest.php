<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Tests\Unit;

use CmsBridge\Connector\Domain\Access\FileWriteAccess;
use PHPUnit\Framework\TestCase;

/** FAL's rules for a backend user's upload (ResourceStorage, TYPO3-CMS/core 12.4/13.4), applied by the connector itself. */
final class FileWriteAccessTest extends TestCase
{
    private const ALL = ['readFolder' => true, 'writeFolder' => true, 'addFile' => true, 'addFolder' => true];

    /** @return array{path:string,read_only:bool,exists:bool,title:string} */
    private static function mount(string $path, bool $readOnly = false, bool $exists = true): array
    {
        return ['path' => $path, 'read_only' => $readOnly, 'exists' => $exists, 'title' => 'cms-bridge images'];
    }

    public function testAMountOnTheFolderAndTheFilePermissionsAllowTheUpload(): void
    {
        self::assertSame([], FileWriteAccess::problems(false, self::ALL, [self::mount('/cms_bridge/')], 1, '/cms_bridge/', true));
        self::assertSame([], FileWriteAccess::problems(false, self::ALL, [self::mount('/')], 1, '/cms_bridge/', false), 'a mount on a parent');
        self::assertSame([], FileWriteAccess::problems(true, [], [], 1, '/cms_bridge/', false), 'admins are not restricted');
    }

    /** The real-site setup of F4 (tests/contract/typo3/README.md): no file permissions, a mount on a folder that did not exist. */
    public function testNoPermissionsAndAMountOnAMissingFolderAreRefusedWithWhatToDo(): void
    {
        $problems = FileWriteAccess::problems(false, [], [self::mount('/cms_bridge/', false, false)], 1, '/cms_bridge/', false);
        self::assertCount(3, $problems);
        self::assertSame('The service user may not store images in 1:/cms_bridge/: give its group the file permissions "Directory: Read" (readFolder), "Directory: Write" (writeFolder), "Files: Add" (addFile), "Directory: Add" (addFolder) ("Fileoperation permissions").', $problems[0]);
        self::assertStringContainsString('does not exist; TYPO3 ignores such a mount', $problems[1]);
        self::assertStringContainsString('has no file mount containing 1:/cms_bridge/', $problems[2]);
    }

    public function testAReadOnlyMountOrAMountElsewhereDoesNotPermitWriting(): void
    {
        self::assertStringContainsString('is read-only', FileWriteAccess::problems(false, self::ALL, [self::mount('/cms_bridge/', true)], 1, '/cms_bridge/', true)[0]);
        self::assertStringContainsString('no file mount containing', FileWriteAccess::problems(false, self::ALL, [self::mount('/cms_bridge_other/')], 1, '/cms_bridge/', true)[0]);
        $existing = FileWriteAccess::problems(false, ['readFolder' => true, 'writeFolder' => true, 'addFile' => true], [self::mount('/cms_bridge/')], 1, '/cms_bridge', true);
        self::assertSame([], $existing, 'addFolder is needed only when the folder must be created');
    }
}
