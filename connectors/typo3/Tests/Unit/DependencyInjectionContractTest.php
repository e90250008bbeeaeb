<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Tests\Unit;

use CmsBridge\Connector\Tests\Support\ClassDeclarations;
use PHPUnit\Framework\TestCase;

/**
 * What TYPO3's container needs from the connector's classes. A failure here is a site that
 * answers 500 on every request after the extension is installed (extension:setup compiles
 * the container), so these are checked without TYPO3, from the declarations.
 *
 * EXT:reactions registers every ReactionInterface implementation as a public, LAZY service:
 *   $containerBuilder->registerForAutoconfiguration(ReactionInterface::class)
 *       ->setPublic(true)->setLazy(true)->addTag('reactions.reaction');
 * (TYPO3-CMS/reactions, Configuration/Services.php, branches 12.4 and 13.4, identical there).
 * Symfony builds a lazy service as a generated subclass, and
 * symfony/var-exporter ProxyHelper::generateLazyProxy() refuses a final class
 * ("Cannot generate lazy proxy: class … is final"), a readonly class on PHP 8.2, and final
 * methods that it must override. The connector's reaction types were final in 1.1.0, and
 * installing it took real TYPO3 12.4.45 and 13.4.9 down.
 *
 * That Services.php is the only registerForAutoconfiguration(…)->setLazy(true) in
 * TYPO3-CMS/core, TYPO3-CMS/backend and TYPO3-CMS/reactions (12.4, 13.4), and the connector's
 * Services.yaml declares nothing lazy, so the Service classes are never proxied and may stay final.
 */
final class DependencyInjectionContractTest extends TestCase
{
    private const REACTION_INTERFACE = 'TYPO3\\CMS\\Reactions\\Reaction\\ReactionInterface';

    private static ?ClassDeclarations $declarations = null;

    private static function declarations(): ClassDeclarations
    {
        return self::$declarations ??= new ClassDeclarations(dirname(__DIR__, 2) . '/Classes');
    }

    /** @return list<string> */
    private static function reactionClasses(): array
    {
        $d = self::declarations();
        return array_values(array_filter(
            $d->names(),
            static fn (string $class): bool => $d->implements($class, self::REACTION_INTERFACE) || str_starts_with($class, 'CmsBridge\\Connector\\Reaction\\'),
        ));
    }

    public function testTheScannerSeesAllSixReactionTypesAndTheirBase(): void
    {
        $concrete = array_values(array_filter(
            self::reactionClasses(),
            static fn (string $class): bool => !in_array('abstract', self::declarations()->get($class)['modifiers'], true),
        ));
        self::assertCount(6, $concrete);
        foreach ($concrete as $class) {
            self::assertTrue(self::declarations()->implements($class, self::REACTION_INTERFACE), $class);
        }
        self::assertContains('CmsBridge\\Connector\\Reaction\\AbstractBridgeReaction', self::reactionClasses());
    }

    public function testNoReactionClassIsFinalOrReadonly(): void
    {
        foreach (self::reactionClasses() as $class) {
            $modifiers = self::declarations()->get($class)['modifiers'];
            self::assertNotContains('final', $modifiers, "$class is final: EXT:reactions makes it a lazy service and Symfony cannot proxy a final class (the site goes down)");
            self::assertNotContains('readonly', $modifiers, "$class is readonly: Symfony cannot lazy-proxy a readonly class on PHP 8.2");
        }
    }

    public function testNoReactionClassHasFinalMethods(): void
    {
        foreach (self::reactionClasses() as $class) {
            foreach (self::declarations()->methodsOf($class) as $name => $signature) {
                self::assertStringNotContainsString('final ', $signature, "$class::$name() is final; the lazy proxy must be able to override it");
            }
        }
    }

    /**
     * The interface is the same in 12.4 and 13.4 (TYPO3-CMS/reactions,
     * Classes/Reaction/ReactionInterface.php on both branches): three static string getters and
     * react(ServerRequestInterface $request, array $payload, ReactionInstruction $reaction): ResponseInterface.
     */
    public function testEveryReactionTypeImplementsTheInterfaceOf124And134(): void
    {
        $expected = [
            'gettype' => 'public static function getType(): string',
            'getdescription' => 'public static function getDescription(): string',
            'geticonidentifier' => 'public static function getIconIdentifier(): string',
            'react' => 'public function react(ServerRequestInterface $request, array $payload, ReactionInstruction $reaction): ResponseInterface',
        ];
        foreach (self::reactionClasses() as $class) {
            if (in_array('abstract', self::declarations()->get($class)['modifiers'], true)) {
                continue;
            }
            $methods = self::declarations()->methodsOf($class);
            foreach ($expected as $name => $signature) {
                self::assertArrayHasKey($name, $methods, "$class lacks $name()");
                self::assertSame($signature, $methods[$name], "$class::$name()");
            }
        }
    }

    /**
     * Configuration/Services.yaml: autowire + autoconfigure for Classes/ with the value objects
     * excluded, the pattern of TYPO3 Explained (TYPO3-Documentation/TYPO3CMS-Reference-CoreApi,
     * Documentation/ApiOverview/DependencyInjection/_Services.yaml); autoconfigure is what applies
     * the reactions' registerForAutoconfiguration to the connector's classes;
     * the pure Domain value objects are excluded (their constructors take scalars, which cannot
     * be autowired); the reaction types are public (the registry fetches them by tag).
     */
    public function testServicesYamlAutoconfiguresClassesAndExcludesDomain(): void
    {
        $yaml = (string)file_get_contents(dirname(__DIR__, 2) . '/Configuration/Services.yaml');
        self::assertMatchesRegularExpression('/_defaults:\s*\n\s+autowire: true\s*\n\s+autoconfigure: true/', $yaml);
        $withoutComments = (string)preg_replace('/^\s*#.*\n/m', '', $yaml);
        self::assertStringContainsString("  CmsBridge\\Connector\\:\n    resource: '../Classes/*'\n    exclude:\n      - '../Classes/Domain/*'\n", $withoutComments);
        self::assertStringContainsString("  CmsBridge\\Connector\\Reaction\\:\n    resource: '../Classes/Reaction/*'\n", $withoutComments);
        self::assertStringNotContainsString('lazy', $withoutComments);
    }

    /** Container-built classes outside Reaction/ must not be lazy either way; they are not final-sensitive, but stay plain services. */
    public function testServiceClassesAreConcreteAndHaveNoScalarConstructorArguments(): void
    {
        foreach (self::declarations()->names() as $class) {
            if (!str_starts_with($class, 'CmsBridge\\Connector\\Service\\')) {
                continue;
            }
            $constructor = self::declarations()->methodsOf($class)['__construct'] ?? '';
            self::assertDoesNotMatchRegularExpression('/\b(string|int|float|bool|array)\s+\$/', $constructor, "$class cannot be autowired: $constructor");
        }
    }
}
