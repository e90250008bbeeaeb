<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Tests\Unit;

use CmsBridge\Connector\Domain\Access\FieldAccess;
use CmsBridge\Connector\Domain\News\ImageReferencePlan;
use CmsBridge\Connector\Domain\News\NewsUpsertRequest;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;
use PHPUnit\Framework\TestCase;

/**
 * DataHandler's exclude-field rule (DataHandler::getExcludeListArray() + fillInFieldArray(),
 * TYPO3-CMS/core 12.4 and 13.4) as the connector applies it before writing. The TCA below
 * carries the exclude flags of georgringer/news 12.3.2 (Configuration/TCA/
 * tx_news_domain_model_news.php), of core's sys_file_reference (alternative) and news'
 * override adding showinpreview (Configuration/TCA/Overrides/sys_file_reference.php).
 */
final class FieldAccessTest extends TestCase
{
    private const NEWS = 'tx_news_domain_model_news';

    /** @return array<string,array<string,mixed>> */
    private static function tca(): array
    {
        $news = [];
        foreach (['title' => false, 'teaser' => true, 'bodytext' => false, 'datetime' => false, 'author' => true,
            'externalurl' => false, 'hidden' => true, 'fal_media' => true] as $field => $exclude) {
            $news[$field] = ['exclude' => $exclude, 'config' => ['type' => 'input']];
        }
        $news['hidden']['config'] = ['type' => 'check', 'default' => 0];
        $news['import_id'] = ['config' => ['type' => 'passthrough']];
        $news['import_source'] = ['config' => ['type' => 'passthrough']];
        return [
            self::NEWS => ['columns' => $news],
            'sys_file_reference' => ['columns' => [
                'uid_local' => ['config' => ['type' => 'group']],
                'tablenames' => ['config' => ['type' => 'input']],
                'fieldname' => ['config' => ['type' => 'input']],
                'alternative' => ['exclude' => true, 'config' => ['type' => 'text']],
                'showinpreview' => ['exclude' => true, 'config' => ['type' => 'check', 'default' => 0]],
                'secret' => ['displayCond' => 'HIDE_FOR_NON_ADMINS', 'config' => ['type' => 'input']],
            ]],
        ];
    }

    /** The group of the real 12.4 site: table rights and the README's old grants only. */
    private static function readmeOf110(): FieldAccess
    {
        return new FieldAccess(self::tca(), 'tx_news_domain_model_news:hidden,tx_news_domain_model_news:fal_media', false);
    }

    public function testExcludeFieldsWithoutAGrantAreNotWritable(): void
    {
        $access = self::readmeOf110();
        self::assertSame(['tx_news_domain_model_news:teaser', 'tx_news_domain_model_news:author'], $access->notWritable(self::NEWS, NewsUpsertRequest::FIELDS));
        self::assertTrue($access->isWritable(self::NEWS, 'title'));
        self::assertTrue($access->isWritable(self::NEWS, 'import_id'));
        self::assertTrue($access->isWritable(self::NEWS, 'pid'));
        self::assertFalse($access->isWritable('sys_file_reference', 'secret'), 'HIDE_FOR_NON_ADMINS is excluded even when granted nowhere');
    }

    public function testAdminsAndGroupsWithoutAListWriteEverything(): void
    {
        self::assertSame([], (new FieldAccess(self::tca(), '', true))->notWritable(self::NEWS, NewsUpsertRequest::FIELDS));
        self::assertSame([], (new FieldAccess(self::tca(), null, false))->notWritable(self::NEWS, NewsUpsertRequest::FIELDS));
    }

    public function testAFieldWithoutTcaColumnIsNeverWritten(): void
    {
        $access = new FieldAccess(self::tca(), '', true);
        self::assertFalse($access->isWritable(self::NEWS, 'ai_moderation_status'));
        self::assertStringContainsString('has no TCA column', $access->remedy(self::NEWS, 'ai_moderation_status'));
    }

    public function testLostMeansNotWritableAndDifferentFromWhatTheRowHoldsAnyway(): void
    {
        $access = self::readmeOf110();
        $fields = ['title' => 'T', 'teaser' => 'Short', 'author' => '', 'hidden' => 0];
        // create: an empty author equals the default and is not lost; the teaser is
        self::assertSame(['teaser'], array_keys($access->lostFields(self::NEWS, $fields, null)));
        // update: the teaser already holds the same text, so nothing is lost
        self::assertSame([], $access->lostFields(self::NEWS, $fields, ['teaser' => 'Short', 'author' => '']));
        self::assertSame(
            'the service user may not write tx_news_domain_model_news:teaser (an excluded field): add "tx_news_domain_model_news:teaser" to its group\'s "Allowed excludefields" (TYPO3 13.4: "Allowed fields")',
            $access->lostFields(self::NEWS, $fields, null)['teaser'],
        );
        // unhiding a hidden record without the hidden grant would be lost
        $noHidden = new FieldAccess(self::tca(), '', false);
        self::assertSame(['hidden'], array_keys($noHidden->lostFields(self::NEWS, ['hidden' => 0], ['hidden' => 1])));
        self::assertSame([], $noHidden->lostFields(self::NEWS, ['hidden' => 0], null), 'TCA default 0');
    }

    public function testNewImageReferenceNeedsShowinpreviewAndAltGrants(): void
    {
        $plan = ImageReferencePlan::decide([], sha1('img'), 'Alt');
        $row = $plan->dataMapForRightsCheck('NEWnews', 12, 'NEWref')['sys_file_reference']['NEWref'];
        $lost = self::readmeOf110()->lostFields('sys_file_reference', $row, null);
        self::assertSame(['alternative', 'showinpreview'], array_keys($lost));
        $granted = new FieldAccess(self::tca(), 'sys_file_reference:alternative,sys_file_reference:showinpreview', false);
        self::assertSame([], $granted->lostFields('sys_file_reference', $row, null));
    }

    public function testARefusedUpsertNamesTheRequestKeysAndTheirGrants(): void
    {
        $plan = ImageReferencePlan::decide([], sha1('img'), 'Alt');
        $rows = [
            [self::NEWS, ['title' => 'T', 'teaser' => 'Short', 'author' => 'ACME', 'hidden' => 0, 'fal_media' => 'NEWref'], null],
            ['sys_file_reference', $plan->dataMapForRightsCheck('NEWnews', 12, 'NEWref')['sys_file_reference']['NEWref'], null],
        ];
        try {
            self::readmeOf110()->assertNothingLost($rows, NewsUpsertRequest::REQUEST_KEYS);
            self::fail('expected a refusal');
        } catch (InvalidPayload $e) {
            self::assertSame(403, $e->httpStatus);
            self::assertSame('forbidden', $e->errorCode);
            self::assertSame(['teaser', 'author', 'image.alt', 'image.showinpreview'], array_keys($e->details));
            self::assertSame('Nothing was written: the service user may not write teaser, author, image.alt, image.showinpreview, and DataHandler would drop them without an error. Grant the excluded fields named in "details" to its group (or run "cms-bridge sites check").', $e->getMessage());
            self::assertStringContainsString('"sys_file_reference:alternative"', $e->details['image.alt']);
        }
        (new FieldAccess(self::tca(), null, false))->assertNothingLost($rows, NewsUpsertRequest::REQUEST_KEYS);
    }

    public function testProbeReportNamesEveryFieldAndTheExactGrant(): void
    {
        $report = self::readmeOf110()->report([
            self::NEWS => [...NewsUpsertRequest::FIELDS, ImageReferencePlan::FIELD],
            'sys_file_reference' => ImageReferencePlan::REFERENCE_FIELDS,
            'tx_not_installed' => ['x'],
        ], 'cms-bridge');
        self::assertSame([
            'tx_news_domain_model_news:teaser',
            'tx_news_domain_model_news:author',
            'sys_file_reference:alternative',
            'sys_file_reference:showinpreview',
        ], $report['not_writable']);
        self::assertCount(2, $report['problems']);
        self::assertSame(
            'Backend user "cms-bridge" may not write tx_news_domain_model_news:teaser, tx_news_domain_model_news:author; DataHandler would drop them without an error: add "tx_news_domain_model_news:teaser", "tx_news_domain_model_news:author" to the group\'s "Allowed excludefields" (TYPO3 13.4: "Allowed fields").',
            $report['problems'][0],
        );
    }

    public function testReadBackReportsValuesThatArrivedEmpty(): void
    {
        $sent = ['title' => 'T', 'teaser' => 'Short', 'author' => 'ACME', 'datetime' => 1735732800, 'hidden' => 0, 'bodytext' => ''];
        // the real 12.4 site: teaser and author NULL after a 201
        self::assertSame(
            ['teaser' => 'was sent but is empty in news record 42 after saving', 'author' => 'was sent but is empty in news record 42 after saving'],
            NewsUpsertRequest::notSaved($sent, ['title' => 'T', 'teaser' => null, 'author' => null, 'datetime' => 1735732800, 'hidden' => 0], 42),
        );
        self::assertSame([], NewsUpsertRequest::notSaved($sent, ['title' => 'T', 'teaser' => '<p>Short</p>', 'author' => 'ACME', 'datetime' => 1735732800, 'hidden' => 0], 42), 'transformed is not lost');
    }

    public function testNewsFieldsWritesExactlyTheDeclaredColumns(): void
    {
        $request = NewsUpsertRequest::fromPayload([
            'import_source' => 'cms-bridge', 'import_id' => str_repeat('a', 32) . '-17', 'title' => 'T', 'teaser' => '',
            'bodytext' => '', 'datetime' => 0, 'author' => '', 'externalurl' => '', 'attribution' => null, 'image' => null,
        ]);
        self::assertSame(NewsUpsertRequest::FIELDS, array_keys($request->newsFields()));
        foreach (NewsUpsertRequest::FIELDS as $field) {
            self::assertArrayHasKey(self::NEWS . ':' . $field, NewsUpsertRequest::REQUEST_KEYS);
        }
    }
}
