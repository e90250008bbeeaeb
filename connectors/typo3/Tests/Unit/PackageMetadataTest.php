<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Tests\Unit;

use PHPUnit\Framework\TestCase;

/**
 * composer.json (composer mode) and ext_emconf.php (classic mode) declare the same version
 * and the same TYPO3 range, and the probe reports that version (cms-bridge reads
 * "connector_version" to know what the site can do).
 */
final class PackageMetadataTest extends TestCase
{
    private const VERSION = '1.4.0';

    /** @return array<string,mixed> */
    private static function emconf(): array
    {
        $_EXTKEY = 'cms_bridge_connector';
        $EM_CONF = [];
        require dirname(__DIR__, 2) . '/ext_emconf.php';
        return $EM_CONF[$_EXTKEY];
    }

    /** @return array<string,mixed> */
    private static function composer(): array
    {
        return json_decode((string)file_get_contents(dirname(__DIR__, 2) . '/composer.json'), true, 512, JSON_THROW_ON_ERROR);
    }

    public function testOneVersionEverywhere(): void
    {
        self::assertSame(self::VERSION, self::emconf()['version']);
        self::assertSame(self::VERSION, self::composer()['version']);
        $abstract = (string)file_get_contents(dirname(__DIR__, 2) . '/Classes/Reaction/AbstractBridgeReaction.php');
        self::assertStringContainsString("public const CONNECTOR_VERSION = '" . self::VERSION . "';", $abstract);
    }

    public function testTypo3RangesAgree(): void
    {
        $require = self::composer()['require'];
        self::assertSame('^12.4 || ^13.4', $require['typo3/cms-core']);
        self::assertSame('^12.4 || ^13.4', $require['typo3/cms-reactions']);
        self::assertSame('^8.1', $require['php']);
        $depends = self::emconf()['constraints']['depends'];
        self::assertSame('12.4.0-13.4.99', $depends['typo3']);
        self::assertSame('12.4.0-13.4.99', $depends['reactions']);
        self::assertSame('8.1.0-8.4.99', $depends['php']);
        self::assertSame('cms_bridge_connector', self::composer()['extra']['typo3/cms']['extension-key']);
    }

    public function testCommentAndNewsExtensionsAreOptional(): void
    {
        foreach (['georgringer/news', 'teamneusta/pw_comments', 't3g/blog'] as $package) {
            self::assertArrayNotHasKey($package, self::composer()['require']);
            self::assertArrayHasKey($package, self::composer()['suggest']);
        }
        self::assertSame(['news', 'pw_comments', 'blog'], array_keys(self::emconf()['constraints']['suggests']));
    }
}
