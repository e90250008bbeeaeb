<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Reaction;

use CmsBridge\Connector\Domain\Comment\CommentSource;
use CmsBridge\Connector\Domain\Request\ListCommentsRequest;
use CmsBridge\Connector\Service\CommentFinder;
use Psr\Http\Message\ResponseFactoryInterface;
use Psr\Http\Message\StreamFactoryInterface;
use TYPO3\CMS\Reactions\Model\ReactionInstruction;

/** bridge-list-comments: a page of the comment stream after a cursor, or comments by id. */
class ListCommentsReaction extends AbstractBridgeReaction
{
    public function __construct(
        ResponseFactoryInterface $responseFactory,
        StreamFactoryInterface $streamFactory,
        private readonly CommentFinder $finder,
    ) {
        parent::__construct($responseFactory, $streamFactory);
    }

    public static function getType(): string
    {
        return 'bridge-list-comments';
    }

    public static function getDescription(): string
    {
        return 'cms-bridge: list comments (pw_comments, EXT:blog)';
    }

    protected function tablesNeeded(): array
    {
        return [];
    }

    protected function userProblems(): array
    {
        $problems = parent::userProblems();
        foreach ($this->installedCommentSources() as $source) {
            $table = CommentSource::table($source);
            if ($problems === [] && !$GLOBALS['BE_USER']->check('tables_select', $table)) {
                $problems[] = sprintf('Backend user may not read table %s: add it to the group\'s "Tables (listing)".', $table);
            }
        }
        return $problems;
    }

    protected function handle(array $payload, ReactionInstruction $reaction): array
    {
        $request = ListCommentsRequest::fromPayload($payload);
        $sources = $this->installedCommentSources();
        if ($request->ids !== null) {
            return [['success' => true, 'comments' => $this->finder->byIds($sources, $request->ids), 'sources' => $sources], 200];
        }
        $comments = $this->finder->after($sources, $request->after, $request->limit);
        $last = end($comments);
        $next = $last === false
            ? $request->after?->toPayload()
            : ['changed' => $last['changed'], 'id' => $last['id']];
        return [['success' => true, 'comments' => $comments, 'next' => $next, 'sources' => $sources], 200];
    }
}
