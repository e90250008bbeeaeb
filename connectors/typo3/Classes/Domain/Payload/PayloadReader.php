<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Payload;

/**
 * Typed, strict access to the decoded JSON payload.
 *
 * EXT:reactions hands every reaction the body as an array and turns invalid JSON into []
 * (TYPO3-CMS/reactions@13.4:Classes/Http/ReactionHandler.php::getPayload), so an empty or
 * garbled body must be refused here rather than acted upon. Problems are collected so one
 * answer names every wrong field.
 */
final class PayloadReader
{
    /** @var array<string,string> */
    private array $problems = [];

    /** @param array<mixed> $payload */
    public function __construct(private readonly array $payload) {}

    public function isProbe(): bool
    {
        return ($this->payload['probe'] ?? null) === true;
    }

    public function has(string $key): bool
    {
        return array_key_exists($key, $this->payload);
    }

    public function string(string $key, bool $allowEmpty = true): string
    {
        if (!array_key_exists($key, $this->payload)) {
            $this->problems[$key] = 'is required';
            return '';
        }
        $value = $this->payload[$key];
        if (!is_string($value)) {
            $this->problems[$key] = 'must be a string';
            return '';
        }
        if (!$allowEmpty && trim($value) === '') {
            $this->problems[$key] = 'must not be empty';
        }
        return $value;
    }

    public function int(string $key, int $min = 0, ?int $max = null, ?int $default = null): int
    {
        if (!array_key_exists($key, $this->payload)) {
            if ($default !== null) {
                return $default;
            }
            $this->problems[$key] = 'is required';
            return 0;
        }
        $value = $this->payload[$key];
        if (!is_int($value)) {
            $this->problems[$key] = 'must be an integer';
            return 0;
        }
        if ($value < $min || ($max !== null && $value > $max)) {
            $this->problems[$key] = $max === null ? "must be at least $min" : "must be between $min and $max";
        }
        return $value;
    }

    /** @param list<string> $allowed */
    public function choice(string $key, array $allowed, ?string $default = null): string
    {
        if ($default !== null && !array_key_exists($key, $this->payload)) {
            return $default;
        }
        $value = $this->string($key, false);
        if ($value !== '' && !in_array($value, $allowed, true)) {
            $this->problems[$key] = 'must be one of ' . implode(', ', $allowed);
        }
        return $value;
    }

    /** @return array<mixed>|null null when the key holds JSON null */
    public function objectOrNull(string $key): ?array
    {
        if (!array_key_exists($key, $this->payload)) {
            $this->problems[$key] = 'is required (use null for none)';
            return null;
        }
        $value = $this->payload[$key];
        if ($value === null) {
            return null;
        }
        if (!is_array($value) || array_is_list($value) && $value !== []) {
            $this->problems[$key] = 'must be an object or null';
            return null;
        }
        return $value;
    }

    /** @return list<array<mixed>> a list of JSON objects (possibly empty) */
    public function objectList(string $key, int $maxItems): array
    {
        $value = $this->payload[$key] ?? null;
        if (!is_array($value) || !array_is_list($value)) {
            $this->problems[$key] = 'must be a list of objects (possibly empty)';
            return [];
        }
        if (count($value) > $maxItems) {
            $this->problems[$key] = "must hold at most $maxItems entries";
            return [];
        }
        $valid = true;
        foreach ($value as $position => $entry) {
            if (!is_array($entry) || ($entry !== [] && array_is_list($entry))) {
                $this->problems[$key . '.' . $position] = 'must be an object';
                $valid = false;
            }
        }
        return $valid ? $value : [];
    }

    /** @return list<string> */
    public function stringList(string $key, int $maxItems): array
    {
        $value = $this->payload[$key] ?? null;
        if (!is_array($value) || !array_is_list($value)) {
            $this->problems[$key] = 'must be a list of strings';
            return [];
        }
        if (count($value) > $maxItems) {
            $this->problems[$key] = "must hold at most $maxItems entries";
        }
        foreach ($value as $entry) {
            if (!is_string($entry)) {
                $this->problems[$key] = 'must be a list of strings';
                return [];
            }
        }
        return $value;
    }

    /** @return array<string,string> */
    public function problemsSoFar(): array
    {
        return $this->problems;
    }

    public function addProblem(string $key, string $problem): void
    {
        $this->problems[$key] = $problem;
    }

    /** @throws InvalidPayload when any accessor found a problem */
    public function assertValid(): void
    {
        if ($this->payload === []) {
            throw InvalidPayload::invalid(['body' => 'must be one non-empty JSON object (an invalid or empty body arrives as [])']);
        }
        if ($this->problems !== []) {
            throw InvalidPayload::invalid($this->problems);
        }
    }
}
