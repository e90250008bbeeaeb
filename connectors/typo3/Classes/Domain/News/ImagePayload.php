<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\News;

use CmsBridge\Connector\Domain\Payload\InvalidPayload;

/**
 * The image sent inline with bridge-upsert-news, decoded and verified before it touches FAL.
 *
 * cms-bridge uploads the bytes it already downloaded (the site never fetches remote URLs,
 * which keeps the site out of SSRF territory and works behind egress firewalls).
 */
final class ImagePayload
{
    public const MAX_BYTES = 10 * 1024 * 1024;

    private const EXTENSIONS = [
        'image/jpeg' => 'jpg',
        'image/png' => 'png',
        'image/gif' => 'gif',
        'image/webp' => 'webp',
    ];

    private function __construct(
        public readonly string $contents,
        public readonly string $contentType,
        public readonly string $sha256,
        public readonly string $alt,
    ) {}

    /**
     * @param array<mixed> $image {"content_type","sha256","content_base64","alt"}
     * @param string $key the request key it came from ("image", or "images.2" for the third of a list)
     * @throws InvalidPayload
     */
    public static function fromArray(array $image, string $key = 'image'): self
    {
        $problems = [];
        $type = $image['content_type'] ?? null;
        if (!is_string($type) || !isset(self::EXTENSIONS[$type])) {
            $problems[$key . '.content_type'] = 'must be one of ' . implode(', ', array_keys(self::EXTENSIONS));
        }
        $sha = $image['sha256'] ?? null;
        if (!is_string($sha) || preg_match('/^[0-9a-f]{64}$/', $sha) !== 1) {
            $problems[$key . '.sha256'] = 'must be 64 lower-case hex digits';
        }
        $alt = $image['alt'] ?? '';
        if (!is_string($alt)) {
            $problems[$key . '.alt'] = 'must be a string';
        }
        $encoded = $image['content_base64'] ?? null;
        $decoded = is_string($encoded) ? base64_decode($encoded, true) : false;
        $contents = $decoded === false ? '' : $decoded;
        if ($contents === '') {
            $problems[$key . '.content_base64'] = 'must be non-empty standard base64';
        } elseif (strlen($contents) > self::MAX_BYTES) {
            $problems[$key . '.content_base64'] = 'decodes to more than ' . self::MAX_BYTES . ' bytes';
        } elseif (is_string($sha) && !hash_equals($sha, hash('sha256', $contents))) {
            $problems[$key . '.sha256'] = 'does not match the decoded content';
        }
        if ($problems !== []) {
            throw InvalidPayload::invalid($problems);
        }
        return new self($contents, $type, $sha, $alt);
    }

    /** A stable name: the same picture is stored once however often it is published. */
    public function fileName(): string
    {
        return 'bridge-' . substr($this->sha256, 0, 16) . '.' . self::EXTENSIONS[$this->contentType];
    }

    /** FAL indexes files by SHA-1 (sys_file.sha1); used to find an already imported copy. */
    public function sha1(): string
    {
        return sha1($this->contents);
    }
}
