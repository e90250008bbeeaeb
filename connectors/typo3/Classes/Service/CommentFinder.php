<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Service;

use CmsBridge\Connector\Domain\Comment\CommentCursor;
use CmsBridge\Connector\Domain\Comment\CommentId;
use CmsBridge\Connector\Domain\Comment\CommentNormalizer;
use CmsBridge\Connector\Domain\Comment\CommentSource;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;

/** Reads comments of every installed comment extension and normalises them with their target. */
final class CommentFinder
{
    public function __construct(
        private readonly RecordReader $reader,
        private readonly UrlBuilder $urls,
    ) {}

    /**
     * @param list<string> $sources installed sources
     * @return list<array<string,mixed>>
     */
    public function after(array $sources, ?CommentCursor $after, int $limit): array
    {
        $all = [];
        foreach ($sources as $source) {
            foreach ($this->reader->commentsAfter(CommentSource::table($source), $source, $after, $limit) as $row) {
                $all[] = $this->normalize($source, $row);
            }
        }
        return CommentCursor::mergePage($all, $limit);
    }

    /**
     * @param list<string> $sources
     * @param list<CommentId> $ids
     * @return list<array<string,mixed>> the ones that still exist; order of $ids
     */
    public function byIds(array $sources, array $ids): array
    {
        $found = [];
        foreach ($sources as $source) {
            $uids = array_map(static fn (CommentId $id): int => $id->uid, array_filter($ids, static fn (CommentId $id): bool => $id->source === $source));
            foreach ($this->reader->commentsByUid(CommentSource::table($source), array_values($uids)) as $row) {
                $found[$source . ':' . $row['uid']] = $this->normalize($source, $row);
            }
        }
        return array_values(array_filter(array_map(static fn (CommentId $id) => $found[(string)$id] ?? null, $ids)));
    }

    /** @param list<string> $sources @return array<string,mixed> the raw row */
    public function rowOrFail(array $sources, CommentId $id): array
    {
        if (!in_array($id->source, $sources, true)) {
            throw InvalidPayload::unsupported(sprintf('The comment extension "%s" is not installed on this site.', $id->source));
        }
        $row = $this->reader->findRow(CommentSource::table($id->source), $id->uid, true);
        if ($row === null) {
            throw InvalidPayload::notFound('No comment ' . $id);
        }
        return $row;
    }

    /** @param array<string,mixed> $row @return array<string,mixed> */
    public function normalize(string $source, array $row): array
    {
        $target = CommentNormalizer::targetOf($source, $row);
        $isNews = $target['type'] === 'news';
        $target['title'] = $this->reader->titleOf($isNews ? 'tx_news_domain_model_news' : 'pages', $target['uid']);
        $target['url'] = $isNews ? $this->urls->newsUrl($target['uid']) : $this->urls->pageUrl($target['uid']);
        return CommentNormalizer::normalize($source, $row, $target);
    }
}
