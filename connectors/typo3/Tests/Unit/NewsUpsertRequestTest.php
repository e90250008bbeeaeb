<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Tests\Unit;

use CmsBridge\Connector\Domain\News\AttributionRenderer;
use CmsBridge\Connector\Domain\News\ImagePayload;
use CmsBridge\Connector\Domain\News\NewsUpsertRequest;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;
use PHPUnit\Framework\TestCase;

final class NewsUpsertRequestTest extends TestCase
{
    /** @return array<string,mixed> */
    private function payload(array $overrides = []): array
    {
        return $overrides + [
            'import_source' => 'cms-bridge', 'import_id' => 'itm_1', 'title' => 'Turbine', 'teaser' => 'Short',
            'bodytext' => '<p>Body</p>', 'datetime' => 1735732800, 'author' => 'ACME',
            'externalurl' => 'https://mastodon.social/@acme/1',
            'attribution' => ['author_name' => 'ACME', 'author_url' => '', 'network' => 'mastodon', 'source_url' => 'https://mastodon.social/@acme/1'],
            'image' => null,
        ];
    }

    public function testValidPayloadBecomesNewsFields(): void
    {
        $fields = NewsUpsertRequest::fromPayload($this->payload())->newsFields();
        self::assertSame('Turbine', $fields['title']);
        self::assertSame(1735732800, $fields['datetime']);
        self::assertSame(0, $fields['hidden']);
        self::assertSame('itm_1', $fields['import_id']);
        self::assertStringContainsString('<p class="cms-bridge-attribution">Source: ACME <a href="https://mastodon.social/@acme/1"', $fields['bodytext']);
    }

    public function testEmptyBodyIsRefused(): void
    {
        try {
            NewsUpsertRequest::fromPayload([]);
            self::fail('expected InvalidPayload');
        } catch (InvalidPayload $e) {
            self::assertSame('invalid_payload', $e->errorCode);
            self::assertArrayHasKey('body', $e->details);
        }
    }

    public function testEveryWrongKeyIsNamed(): void
    {
        try {
            NewsUpsertRequest::fromPayload($this->payload(['datetime' => '2025-01-01', 'title' => '', 'externalurl' => 'javascript:alert(1)']));
            self::fail('expected InvalidPayload');
        } catch (InvalidPayload $e) {
            self::assertSame(['title', 'datetime', 'externalurl'], array_keys($e->details));
            self::assertSame(400, $e->httpStatus);
        }
    }

    public function testTitleLongerThanColumnIsTooLongNotTruncated(): void
    {
        try {
            NewsUpsertRequest::fromPayload($this->payload(['title' => str_repeat('ä', 256)]));
            self::fail('expected InvalidPayload');
        } catch (InvalidPayload $e) {
            self::assertSame('too_long', $e->errorCode);
            self::assertSame('256 characters, the column holds at most 255', $e->details['title']);
        }
        // 255 multi-byte characters fit varchar(255)
        self::assertSame(255, mb_strlen(NewsUpsertRequest::fromPayload($this->payload(['title' => str_repeat('ä', 255)]))->title));
    }

    public function testAuthorIsMeasuredInBytes(): void
    {
        $this->expectException(InvalidPayload::class);
        NewsUpsertRequest::fromPayload($this->payload(['author' => str_repeat('ä', 128)]));
    }

    public function testImageIsVerified(): void
    {
        $bytes = "\x89PNG fake";
        $image = ImagePayload::fromArray(['content_type' => 'image/png', 'sha256' => hash('sha256', $bytes), 'content_base64' => base64_encode($bytes), 'alt' => 'A']);
        self::assertSame($bytes, $image->contents);
        self::assertSame('bridge-' . substr(hash('sha256', $bytes), 0, 16) . '.png', $image->fileName());
        self::assertSame(sha1($bytes), $image->sha1());

        try {
            ImagePayload::fromArray(['content_type' => 'image/svg+xml', 'sha256' => str_repeat('0', 64), 'content_base64' => base64_encode($bytes)]);
            self::fail('expected InvalidPayload');
        } catch (InvalidPayload $e) {
            self::assertArrayHasKey('image.content_type', $e->details);
            self::assertArrayHasKey('image.sha256', $e->details);
        }
    }

    public function testAttributionEscapesAndDropsUnsafeLinks(): void
    {
        $html = AttributionRenderer::render(['author_name' => '<b>Eve</b>', 'author_url' => 'javascript:x', 'network' => 'x', 'source_url' => '']);
        self::assertSame('<p class="cms-bridge-attribution">Source: &lt;b&gt;Eve&lt;/b&gt; on x</p>', $html);
        self::assertSame('', AttributionRenderer::render([]));
    }

    /** @return array<string,string> */
    private static function image(string $bytes, string $alt = ''): array
    {
        return ['content_type' => 'image/png', 'sha256' => hash('sha256', $bytes), 'content_base64' => base64_encode($bytes), 'alt' => $alt];
    }

    public function testImagesListKeepsEveryImageInOrder(): void
    {
        $payload = $this->payload(['images' => [self::image('first', 'One'), self::image('second', 'Two')]]);
        unset($payload['image']);
        $request = NewsUpsertRequest::fromPayload($payload);
        self::assertTrue($request->imagesAsList);
        self::assertSame(['One', 'Two'], array_map(static fn (ImagePayload $i): string => $i->alt, $request->images));
        self::assertSame($request->images[0], $request->image);
        self::assertSame([sha1('first'), sha1('second')], array_column($request->requestedImages(), 'sha1'));
        self::assertSame('images.alt', $request->requestKeys()['sys_file_reference:alternative']);
    }

    public function testAnEmptyImagesListMeansNoImage(): void
    {
        $payload = $this->payload(['images' => []]);
        unset($payload['image']);
        $request = NewsUpsertRequest::fromPayload($payload);
        self::assertSame([], $request->images);
        self::assertNull($request->image);
    }

    public function testTheSingleImageStaysTheOneOf120(): void
    {
        $request = NewsUpsertRequest::fromPayload($this->payload(['image' => self::image('only')]));
        self::assertFalse($request->imagesAsList);
        self::assertCount(1, $request->images);
        self::assertSame('image.alt', $request->requestKeys()['sys_file_reference:alternative']);
    }

    /** @return iterable<string,array{0:array<string,mixed>,1:list<string>}> */
    public static function badImageLists(): iterable
    {
        $good = self::image('ok');
        yield 'both keys' => [['images' => [$good], 'image' => null], ['image']];
        yield 'not a list' => [['images' => $good], ['images']];
        yield 'a string in the list' => [['images' => [$good, 'x']], ['images.1']];
        yield 'too many' => [['images' => array_fill(0, NewsUpsertRequest::MAX_IMAGES + 1, $good)], ['images']];
        yield 'wrong hash of the second' => [['images' => [$good, ['sha256' => str_repeat('0', 64)] + self::image('b')]], ['images.1.sha256']];
    }

    /**
     * @dataProvider badImageLists
     * @param array<string,mixed> $overrides
     * @param list<string> $keys
     */
    public function testABadImagesListNamesThePosition(array $overrides, array $keys): void
    {
        $payload = $this->payload($overrides);
        if (!array_key_exists('image', $overrides)) {
            unset($payload['image']);
        }
        try {
            NewsUpsertRequest::fromPayload($payload);
            self::fail('expected InvalidPayload');
        } catch (InvalidPayload $e) {
            self::assertSame($keys, array_keys($e->details));
        }
    }
}
