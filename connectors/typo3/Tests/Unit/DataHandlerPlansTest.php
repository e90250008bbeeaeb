<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Tests\Unit;

use CmsBridge\Connector\Domain\News\ImageReferencePlan;
use CmsBridge\Connector\Domain\News\UnpublishPlan;
use PHPUnit\Framework\TestCase;

/**
 * The DataHandler arrays for images and unpublishing, case by case from
 * Tests/Fixtures/datahandler-plans.json (its "_format" key describes every field). The same
 * file drives cms-bridge's TYPO3 double, so the double and this connector cannot drift apart.
 */
final class DataHandlerPlansTest extends TestCase
{
    private const NEW_NEWS = 'NEWnews';
    private const NEW_REFERENCE = 'NEWref';

    /** @return array<string,mixed> */
    private static function fixture(): array
    {
        $json = (string)file_get_contents(dirname(__DIR__) . '/Fixtures/datahandler-plans.json');
        return json_decode($json, true, 512, JSON_THROW_ON_ERROR);
    }

    /** @return iterable<string,array{0:array<string,mixed>,1:array<string,mixed>}> */
    public static function cases(): iterable
    {
        $fixture = self::fixture();
        foreach ($fixture['cases'] as $case) {
            yield $case['name'] => [$case, $fixture['images']];
        }
    }

    public function testFixtureCoversTheRequiredSituations(): void
    {
        $names = array_column(self::fixture()['cases'], 'name');
        foreach (['create_with_image', 'same_image_again', 'another_image', 'image_null_one_live_reference',
            'image_null_two_live_references', 'unpublish_delete', 'unpublish_hide'] as $required) {
            self::assertContains($required, $names);
        }
        self::assertSame(count($names), count(array_unique($names)));
        self::assertArrayHasKey('_format', self::fixture());
    }

    public function testFixtureImagesCarryTheirTrueHashes(): void
    {
        foreach (self::fixture()['images'] as $name => $image) {
            $bytes = base64_decode($image['content_base64'], true);
            self::assertSame(hash('sha256', (string)$bytes), $image['sha256'], $name);
            self::assertSame(sha1((string)$bytes), $image['sha1'], $name);
        }
    }

    /**
     * @dataProvider cases
     * @param array<string,mixed> $case
     * @param array<string,array<string,string>> $images
     */
    public function testPlanMatchesFixture(array $case, array $images): void
    {
        $expected = $case['expected'];
        $state = $case['state'];
        if ($case['operation'] === 'unpublish') {
            $plan = UnpublishPlan::for((int)$state['news']['uid'], $case['request']['mode']);
            self::assertSame($expected['datamap'], $plan['datamap']);
            self::assertSame($expected['cmdmap'], $plan['cmdmap']);
            self::assertSame($expected['action'], UnpublishPlan::action($case['request']['mode']));
            return;
        }
        if (array_key_exists('images', $case['request'])) {
            $this->assertImageListPlan($case, $images);
            return;
        }
        $requested = $case['request']['image'];
        $image = $requested === null ? null : $images[$requested['image']];
        $plan = ImageReferencePlan::decide($state['live_references'], $image['sha1'] ?? null, $requested['alt'] ?? '');
        $newsKey = $state['news'] === null ? self::NEW_NEWS : (int)$state['news']['uid'];
        $pid = $state['news'] === null ? (int)$state['storage_pid'] : (int)$state['news']['pid'];
        $fileUid = $case['imported_file_uid'] ?? null;

        self::assertSame($expected['imports_file'], $plan->needsFile);
        self::assertSame($expected['datamap'], $plan->dataMap($newsKey, $pid, $fileUid, self::NEW_REFERENCE));
        self::assertSame($expected['cmdmap'], $plan->commandMap());
        self::assertSame($expected['response_image'], $plan->responseImage($fileUid, $image['sha256'] ?? null, self::NEW_REFERENCE));
        self::assertSame($expected['live_references_after'], $plan->remainingReferences(self::NEW_REFERENCE));
    }

    /**
     * An "images" request (1.3.0): every image in order, new references "NEWref<position>".
     *
     * @param array<string,mixed> $case
     * @param array<string,array<string,string>> $images
     */
    private function assertImageListPlan(array $case, array $images): void
    {
        $expected = $case['expected'];
        $state = $case['state'];
        $requested = array_map(static fn (array $r): array => ['sha1' => $images[$r['image']]['sha1'], 'alt' => $r['alt']], $case['request']['images']);
        $plan = ImageReferencePlan::decideList($state['live_references'], $requested);
        $newsKey = $state['news'] === null ? self::NEW_NEWS : (int)$state['news']['uid'];
        $pid = $state['news'] === null ? (int)$state['storage_pid'] : (int)$state['news']['pid'];
        $newIds = [];
        foreach ($plan->newSlots() as $position) {
            $newIds[$position] = self::NEW_REFERENCE . $position;
        }
        $fileUids = $case['imported_file_uids'] ?? [];
        $sha256s = array_map(static fn (array $r): string => $images[$r['image']]['sha256'], $case['request']['images']);

        self::assertSame($expected['imports_file'], $plan->needsFile);
        self::assertSame(array_keys($fileUids), $plan->newSlots());
        self::assertSame($expected['datamap'], $plan->dataMapFor($newsKey, $pid, $fileUids, $newIds));
        self::assertSame($expected['datamap'], array_replace_recursive($plan->dataMapForRightsCheck($newsKey, $pid, $newIds), $plan->dataMapFor($newsKey, $pid, $fileUids, $newIds)));
        self::assertSame($expected['cmdmap'], $plan->commandMap());
        self::assertSame($expected['response_images'], $plan->responseImages($fileUids, $sha256s, $newIds));
        self::assertSame($expected['live_references_after'], $plan->remainingReferences($newIds));
    }

    public function testTheFixtureHasImageListCases(): void
    {
        $names = array_column(self::fixture()['cases'], 'name');
        foreach (['images_create_two_in_order', 'images_reordered_in_place', 'images_one_added_between_and_alt_changed',
            'images_one_removed', 'images_empty_list'] as $required) {
            self::assertContains($required, $names);
        }
    }

    public function testAListImageWithoutItsFileIsAProgrammingError(): void
    {
        $this->expectException(\LogicException::class);
        ImageReferencePlan::decideList([], [['sha1' => sha1('x'), 'alt' => ''], ['sha1' => sha1('y'), 'alt' => '']])
            ->dataMapFor(42, 12, [0 => 9], [0 => 'NEW0', 1 => 'NEW1']);
    }

    public function testANewReferenceWithoutAFileIsAProgrammingError(): void
    {
        $this->expectException(\LogicException::class);
        ImageReferencePlan::decide([], sha1('x'))->dataMap(42, 12, null, self::NEW_REFERENCE);
    }
}
