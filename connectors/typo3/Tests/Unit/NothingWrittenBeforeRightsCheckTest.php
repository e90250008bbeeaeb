<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Tests\Unit;

use PHPUnit\Framework\TestCase;

/**
 * The reaction types cannot run here (TYPO3 core is not installed), so their order of work is
 * pinned from the source: the field-rights check (AbstractBridgeReaction::assertNothingLost)
 * comes before the first write of each request — FAL import or DataHandler — so that a refusal
 * (403 forbidden) leaves nothing behind. DataHandler itself drops non-granted fields without an
 * error (DataHandler::fillInFieldArray(), TYPO3-CMS/core 12.4/13.4), so checking afterwards
 * would be too late.
 */
final class NothingWrittenBeforeRightsCheckTest extends TestCase
{
    /** @return array<string,array{0:string,1:string,2:list<string>}> */
    public static function reactions(): array
    {
        return [
            'upsert' => ['UpsertNewsReaction', 'handle', ['$this->falImporter->import(', '$this->dataHandler->process(']],
            'unpublish' => ['UnpublishReaction', 'handle', ['$this->dataHandler->process(']],
            'moderate' => ['ModerateCommentReaction', 'handle', ['$this->dataHandler->hardDelete(', '$this->dataHandler->process(']],
            'reply' => ['ReplyReaction', 'post', ['$this->dataHandler->process(']],
        ];
    }

    /** @dataProvider reactions @param list<string> $writes */
    public function testRightsAreCheckedBeforeTheFirstWrite(string $class, string $method, array $writes): void
    {
        $source = (string)file_get_contents(dirname(__DIR__, 2) . '/Classes/Reaction/' . $class . '.php');
        $start = strpos($source, 'function ' . $method . '(');
        self::assertNotFalse($start);
        $body = substr($source, $start);
        $body = substr($body, 0, (int)(strpos($body, "\n    }\n") ?: strlen($body)));
        $check = strpos($body, '$this->assertNothingLost(');
        self::assertNotFalse($check, "$class::$method() does not check field rights");
        foreach ($writes as $write) {
            $at = strpos($body, $write);
            self::assertNotFalse($at, "$class::$method() has no $write");
            self::assertLessThan($at, $check, "$class::$method(): $write comes before the rights check");
        }
    }

    /**
     * Tests/Fixtures/datahandler-plans.json promises: the cmdmap (deleting old references,
     * undeleting a comment) runs before the datamap (the new reference, field updates), so a
     * field update never meets a record DataHandler still considers deleted.
     */
    public function testTheGatewayRunsTheCommandMapBeforeTheDataMap(): void
    {
        $source = (string)file_get_contents(dirname(__DIR__, 2) . '/Classes/Service/DataHandlerGateway.php');
        self::assertLessThan(strpos($source, '->process_datamap()'), strpos($source, '->process_cmdmap()'));
        self::assertStringContainsString("GeneralUtility::makeInstance(DataHandler::class)", $source, 'a fresh DataHandler per call');
    }

    public function testUpsertReadsTheRecordBackAfterWriting(): void
    {
        $source = (string)file_get_contents(dirname(__DIR__, 2) . '/Classes/Reaction/UpsertNewsReaction.php');
        self::assertLessThan(strpos($source, '$this->assertSaved('), strpos($source, '$this->dataHandler->process('));
    }
}
