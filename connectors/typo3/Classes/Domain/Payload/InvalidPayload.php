<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Payload;

/**
 * A request body the connector refuses, with a machine-readable code and per-field details.
 *
 * The reaction wrappers turn it into the documented error body
 * {"success":false,"code":…,"error":…,"details":{…}} so that cms-bridge can tell a
 * validation problem (its own bug) from a too-long value (content problem).
 */
final class InvalidPayload extends \RuntimeException
{
    /** @param array<string,string> $details field => what is wrong */
    public function __construct(
        public readonly string $errorCode,
        string $message,
        public readonly array $details = [],
        public readonly int $httpStatus = 400,
    ) {
        parent::__construct($message);
    }

    /** @param array<string,string> $details */
    public static function invalid(array $details): self
    {
        return new self('invalid_payload', 'The request body is not valid: ' . implode('; ', array_map(
            static fn (string $field, string $problem): string => $field . ': ' . $problem,
            array_keys($details),
            $details
        )), $details);
    }

    /** @param array<string,string> $details */
    public static function tooLong(array $details): self
    {
        return new self('too_long', 'Values exceed their database columns: ' . implode(', ', array_keys($details)), $details);
    }

    public static function notFound(string $message): self
    {
        return new self('record_not_found', $message, [], 404);
    }

    /** @param array<string,string> $details field => the grant that is missing */
    public static function forbidden(string $message, array $details = []): self
    {
        return new self('forbidden', $message, $details, 403);
    }

    /** @param array<string,string> $details */
    public static function notSaved(string $message, array $details = []): self
    {
        return new self('record_not_saved', $message, $details, 422);
    }

    public static function unsupported(string $message): self
    {
        return new self('unsupported', $message, [], 409);
    }

    /** @return array<string,mixed> */
    public function toResponseBody(): array
    {
        $body = ['success' => false, 'code' => $this->errorCode, 'error' => $this->getMessage()];
        if ($this->details !== []) {
            $body['details'] = $this->details;
        }
        return $body;
    }
}
