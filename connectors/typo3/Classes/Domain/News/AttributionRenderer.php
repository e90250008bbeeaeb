<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\News;

/**
 * The credit line appended to a news body: who made the post, on which network, and a
 * link to the original. Escaped here because the values come from social networks.
 */
final class AttributionRenderer
{
    /** @param array{author_name?:string,author_url?:string,network?:string,source_url?:string} $attribution */
    public static function render(array $attribution): string
    {
        $author = trim((string)($attribution['author_name'] ?? ''));
        $authorUrl = self::safeUrl((string)($attribution['author_url'] ?? ''));
        $network = trim((string)($attribution['network'] ?? ''));
        $sourceUrl = self::safeUrl((string)($attribution['source_url'] ?? ''));
        if ($author === '' && $sourceUrl === '') {
            return '';
        }
        $parts = [];
        if ($author !== '') {
            $name = self::e($author);
            $parts[] = $authorUrl !== '' ? '<a href="' . self::e($authorUrl) . '" rel="noopener">' . $name . '</a>' : $name;
        }
        $label = $network !== '' ? 'on ' . self::e($network) : '';
        if ($sourceUrl !== '') {
            $label = '<a href="' . self::e($sourceUrl) . '" rel="noopener">' . ($label !== '' ? $label : 'original post') . '</a>';
        }
        if ($label !== '') {
            $parts[] = $label;
        }
        return '<p class="cms-bridge-attribution">Source: ' . implode(' ', $parts) . '</p>';
    }

    /** Only http(s) links survive; javascript: and friends become empty. */
    public static function safeUrl(string $url): string
    {
        $url = trim($url);
        return preg_match('#^https?://[^\s<>"]+$#i', $url) === 1 ? $url : '';
    }

    private static function e(string $value): string
    {
        return htmlspecialchars($value, ENT_QUOTES | ENT_HTML5, 'UTF-8');
    }
}
