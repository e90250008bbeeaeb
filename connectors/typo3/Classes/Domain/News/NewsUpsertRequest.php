<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\News;

use CmsBridge\Connector\Domain\Payload\ColumnLimits;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;
use CmsBridge\Connector\Domain\Payload\PayloadReader;

/**
 * A validated bridge-upsert-news request (contract: README "bridge-upsert-news").
 *
 * Every key is required so that a sender bug shows up as a 400 naming the key, never as a
 * half-filled news record. Lengths are checked against tx_news_domain_model_news columns.
 */
final class NewsUpsertRequest
{
    public const TABLE = 'tx_news_domain_model_news';

    /** The news columns newsFields() writes (pid aside); teaser, author and hidden are exclude fields of news. */
    public const FIELDS = ['title', 'teaser', 'bodytext', 'datetime', 'author', 'externalurl', 'import_source', 'import_id', 'hidden'];

    /** "table:field" written => the request key it comes from, for error details. */
    public const REQUEST_KEYS = [
        self::TABLE . ':title' => 'title',
        self::TABLE . ':teaser' => 'teaser',
        self::TABLE . ':bodytext' => 'bodytext',
        self::TABLE . ':datetime' => 'datetime',
        self::TABLE . ':author' => 'author',
        self::TABLE . ':externalurl' => 'externalurl',
        self::TABLE . ':import_source' => 'import_source',
        self::TABLE . ':import_id' => 'import_id',
        self::TABLE . ':hidden' => 'hidden',
        self::TABLE . ':fal_media' => 'image',
        'sys_file_reference:uid_local' => 'image',
        'sys_file_reference:alternative' => 'image.alt',
        'sys_file_reference:showinpreview' => 'image.showinpreview',
        'sys_file_reference:tablenames' => 'image',
        'sys_file_reference:fieldname' => 'image',
    ];

    /** The same for a request with "images" (1.3.0). */
    public const REQUEST_KEYS_IMAGES = [
        self::TABLE . ':fal_media' => 'images',
        'sys_file_reference:uid_local' => 'images',
        'sys_file_reference:alternative' => 'images.alt',
        'sys_file_reference:showinpreview' => 'images.showinpreview',
        'sys_file_reference:tablenames' => 'images',
        'sys_file_reference:fieldname' => 'images',
    ];

    /** At most this many images in "images" (each at most ImagePayload::MAX_BYTES). */
    public const MAX_IMAGES = 20;

    /**
     * @param array<string,string> $attribution
     * @param list<ImagePayload> $images every image of the request in order ("image": the one, or none)
     */
    private function __construct(
        public readonly string $importSource,
        public readonly string $importId,
        public readonly string $title,
        public readonly string $teaser,
        public readonly string $bodytext,
        public readonly int $datetime,
        public readonly string $author,
        public readonly string $externalUrl,
        public readonly array $attribution,
        public readonly ?ImagePayload $image,
        public readonly array $images,
        public readonly bool $imagesAsList,
    ) {}

    /**
     * @param array<mixed> $payload
     * @throws InvalidPayload
     */
    public static function fromPayload(array $payload): self
    {
        $reader = new PayloadReader($payload);
        $importSource = $reader->string('import_source', false);
        $importId = $reader->string('import_id', false);
        $title = $reader->string('title', false);
        $teaser = $reader->string('teaser');
        $bodytext = $reader->string('bodytext');
        $datetime = $reader->int('datetime');
        $author = $reader->string('author');
        $externalUrl = $reader->string('externalurl');
        if ($externalUrl !== '' && AttributionRenderer::safeUrl($externalUrl) === '') {
            $reader->addProblem('externalurl', 'must be an http(s) URL or empty');
        }
        $attribution = $reader->objectOrNull('attribution') ?? [];
        foreach (['author_name', 'author_url', 'network', 'source_url'] as $key) {
            if (!is_string($attribution[$key] ?? '')) {
                $reader->addProblem('attribution.' . $key, 'must be a string');
            }
        }
        // 1.3.0: "images" (a list, in display order) instead of "image" (one or null); not both
        $imagesAsList = $reader->has('images');
        if ($imagesAsList && $reader->has('image')) {
            $reader->addProblem('image', 'must be left out when "images" is given (send one of them)');
        }
        $rawImages = $imagesAsList ? $reader->objectList('images', self::MAX_IMAGES) : [];
        $image = $imagesAsList ? null : $reader->objectOrNull('image');
        $reader->assertValid();
        $images = $imagesAsList ? self::images($rawImages) : ($image === null ? [] : [ImagePayload::fromArray($image)]);

        $tooLong = ColumnLimits::violations(self::TABLE, [
            'import_source' => $importSource,
            'import_id' => $importId,
            'title' => $title,
            'teaser' => $teaser,
            'bodytext' => $bodytext,
            'author' => $author,
            'externalurl' => $externalUrl,
        ]);
        if ($tooLong !== []) {
            throw InvalidPayload::tooLong($tooLong);
        }
        return new self(
            $importSource,
            $importId,
            $title,
            $teaser,
            $bodytext,
            $datetime,
            $author,
            $externalUrl,
            array_map('strval', $attribution),
            $images[0] ?? null,
            $images,
            $imagesAsList,
        );
    }

    /**
     * @param list<array<mixed>> $rawImages
     * @return list<ImagePayload>
     * @throws InvalidPayload naming every wrong field as "images.<position>.<field>"
     */
    private static function images(array $rawImages): array
    {
        $images = [];
        $problems = [];
        foreach ($rawImages as $position => $raw) {
            try {
                $images[] = ImagePayload::fromArray($raw, 'images.' . $position);
            } catch (InvalidPayload $e) {
                $problems += $e->details;
            }
        }
        if ($problems !== []) {
            throw InvalidPayload::invalid($problems);
        }
        return $images;
    }

    /** "table:field" => the request key, for the 403's details of this request. @return array<string,string> */
    public function requestKeys(): array
    {
        return $this->imagesAsList ? array_replace(self::REQUEST_KEYS, self::REQUEST_KEYS_IMAGES) : self::REQUEST_KEYS;
    }

    /** The requested images as ImageReferencePlan::decideList() compares them. @return list<array{sha1:string,alt:string}> */
    public function requestedImages(): array
    {
        return array_map(static fn (ImagePayload $image): array => ['sha1' => $image->sha1(), 'alt' => $image->alt], $this->images);
    }

    /**
     * What the read-back after the write found missing: DataHandler reports no error when it
     * drops a field, so a non-empty value sent that is empty in the saved row was not saved.
     * Only "became empty" counts; DataHandler may legitimately transform values (RTE, trim).
     *
     * @param array<string,string|int> $sent newsFields()
     * @param array<string,mixed> $row the record as read back
     * @return array<string,string> request key => problem; empty when everything arrived
     */
    public static function notSaved(array $sent, array $row, int $uid): array
    {
        $missing = [];
        foreach (self::FIELDS as $field) {
            $value = (string)($sent[$field] ?? '');
            if ($value !== '' && $value !== '0' && in_array((string)($row[$field] ?? ''), ['', '0'], true)) {
                $missing[self::REQUEST_KEYS[self::TABLE . ':' . $field] ?? $field] = sprintf('was sent but is empty in news record %d after saving', $uid);
            }
        }
        return $missing;
    }

    /**
     * The DataHandler field array. type stays '0' (a normal news item): the source link is
     * stored in externalurl and rendered by the attribution line in the body.
     *
     * @return array<string,string|int>
     */
    public function newsFields(): array
    {
        $attributionHtml = AttributionRenderer::render($this->attribution);
        $bodytext = $this->bodytext . ($attributionHtml !== '' ? "\n" . $attributionHtml : '');
        $tooLong = ColumnLimits::violations(self::TABLE, ['bodytext' => $bodytext]);
        if ($tooLong !== []) {
            throw InvalidPayload::tooLong($tooLong);
        }
        return [
            'title' => $this->title,
            'teaser' => $this->teaser,
            'bodytext' => $bodytext,
            'datetime' => $this->datetime,
            'author' => $this->author,
            'externalurl' => $this->externalUrl,
            'import_source' => $this->importSource,
            'import_id' => $this->importId,
            'hidden' => 0,
        ];
    }
}
