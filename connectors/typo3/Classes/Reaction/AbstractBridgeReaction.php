<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Reaction;

use CmsBridge\Connector\Domain\Access\FieldAccess;
use CmsBridge\Connector\Domain\Comment\CommentSource;
use CmsBridge\Connector\Domain\Payload\InvalidPayload;
use Psr\Http\Message\ResponseFactoryInterface;
use Psr\Http\Message\ResponseInterface;
use Psr\Http\Message\ServerRequestInterface;
use Psr\Http\Message\StreamFactoryInterface;
use TYPO3\CMS\Core\Information\Typo3Version;
use TYPO3\CMS\Core\Utility\ExtensionManagementUtility;
use TYPO3\CMS\Reactions\Model\ReactionInstruction;
use TYPO3\CMS\Reactions\Reaction\ReactionInterface;

/**
 * Shared frame of the bridge reaction types: JSON answers, the side-effect-free probe, the
 * service-user guard, and turning InvalidPayload into the documented error body. The
 * concrete types only parse (pure Domain classes) and call DataHandler.
 *
 * EXT:reactions has already checked the UUID and the hashed secret and impersonated the
 * reaction's backend user before react() runs (TYPO3-CMS/reactions: ReactionResolver,
 * ReactionHandler).
 */
abstract class AbstractBridgeReaction implements ReactionInterface
{
    public const CONNECTOR_VERSION = '1.4.0';

    public function __construct(
        protected readonly ResponseFactoryInterface $responseFactory,
        protected readonly StreamFactoryInterface $streamFactory,
    ) {}

    public static function getIconIdentifier(): string
    {
        return 'content-database';
    }

    /** @param array<mixed> $payload @return array{0:array<string,mixed>,1:int} body and status */
    abstract protected function handle(array $payload, ReactionInstruction $reaction): array;

    /** Tables the service user must be allowed to modify for this reaction type. @return list<string> */
    abstract protected function tablesNeeded(): array;

    /**
     * Every field this reaction type may send to DataHandler, per table: the probe reports
     * those the service user cannot write (DataHandler would drop them silently).
     *
     * @return array<string,list<string>>
     */
    protected function fieldsWritten(): array
    {
        return [];
    }

    /** Probe sentences beyond table and field rights (e.g. file permissions). @return list<string> */
    protected function extraProblems(): array
    {
        return [];
    }

    public function react(ServerRequestInterface $request, array $payload, ReactionInstruction $reaction): ResponseInterface
    {
        try {
            if (($payload['probe'] ?? null) === true) {
                return $this->json($this->probe($reaction), 200);
            }
            $problems = $this->userProblems();
            if ($problems !== []) {
                return $this->json(['success' => false, 'code' => 'forbidden', 'error' => implode(' ', $problems)], 403);
            }
            [$body, $status] = $this->handle($payload, $reaction);
            return $this->json($body, $status);
        } catch (InvalidPayload $e) {
            return $this->json($e->toResponseBody(), $e->httpStatus);
        }
    }

    /** @return array<string,mixed> */
    private function probe(ReactionInstruction $reaction): array
    {
        $user = $GLOBALS['BE_USER']->user ?? [];
        $problems = $this->userProblems();
        $fields = ['not_writable' => []];
        if (!empty($user['uid'])) {
            $report = $this->fieldAccess()->report($this->fieldsWritten(), (string)($user['username'] ?? ''));
            $fields['not_writable'] = $report['not_writable'];
            try {
                $extra = $this->extraProblems();
            } catch (\Throwable $e) {
                // a probe must answer; a broken setting is one more problem, not a 500
                $extra = ['Could not check the file setup: ' . $e->getMessage()];
            }
            $problems = [...$problems, ...$report['problems'], ...$extra];
        }
        return [
            'success' => true,
            'probe' => true,
            'type' => static::getType(),
            'connector_version' => self::CONNECTOR_VERSION,
            'typo3_version' => (new Typo3Version())->getVersion(),
            'user' => ['uid' => (int)($user['uid'] ?? 0), 'username' => (string)($user['username'] ?? ''), 'admin' => (bool)($user['admin'] ?? false)],
            'storage_pid' => (int)($reaction->toArray()['storage_pid'] ?? 0),
            'comment_sources' => $this->installedCommentSources(),
            'fields' => $fields,
            'problems' => $problems,
        ];
    }

    /** @return list<string> actionable sentences; empty when the service user can work */
    protected function userProblems(): array
    {
        $backendUser = $GLOBALS['BE_USER'] ?? null;
        if ($backendUser === null || empty($backendUser->user['uid'])) {
            return ['The reaction has no usable backend user: set "Impersonate user" on the reaction and enable that user (DataHandler creates be_users disabled).'];
        }
        $problems = [];
        foreach ($this->tablesNeeded() as $table) {
            if (isset($GLOBALS['TCA'][$table]) && !$backendUser->check('tables_modify', $table)) {
                $problems[] = sprintf('Backend user "%s" may not modify table %s: add it to the group\'s "Tables (modify)".', $backendUser->user['username'], $table);
            }
        }
        return $problems;
    }

    /** DataHandler's exclude-field rule for the impersonated user (see FieldAccess). */
    protected function fieldAccess(): FieldAccess
    {
        $backendUser = $GLOBALS['BE_USER'] ?? null;
        $nonExclude = $backendUser?->groupData['non_exclude_fields'] ?? null;
        return new FieldAccess($GLOBALS['TCA'] ?? [], $nonExclude === null ? null : (string)$nonExclude, (bool)($backendUser?->isAdmin() ?? false));
    }

    /**
     * Refuses (403, nothing written) when DataHandler would drop a value of these rows.
     *
     * @param list<array{0:string,1:array<string,mixed>,2:array<string,mixed>|null}> $rows table, fields, existing row (null on create)
     * @param array<string,string> $requestKeys "table:field" => the request key it comes from (for details)
     * @throws InvalidPayload code forbidden
     */
    protected function assertNothingLost(array $rows, array $requestKeys = []): void
    {
        $this->fieldAccess()->assertNothingLost($rows, $requestKeys);
    }

    /** @return list<string> */
    protected function installedCommentSources(): array
    {
        return array_values(array_filter(
            CommentSource::all(),
            static fn (string $source): bool => ExtensionManagementUtility::isLoaded(CommentSource::EXTENSION_KEYS[$source]),
        ));
    }

    /** @param array<string,mixed> $data */
    protected function json(array $data, int $status): ResponseInterface
    {
        return $this->responseFactory->createResponse($status)
            ->withHeader('Content-Type', 'application/json')
            ->withBody($this->streamFactory->createStream((string)json_encode($data, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE)));
    }
}
