<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Domain\Access;

use CmsBridge\Connector\Domain\Payload\InvalidPayload;

/**
 * Which fields DataHandler will write for the service user, decided as DataHandler decides.
 *
 * DataHandler drops a field the user may not edit WITHOUT an error: start() builds
 * excludedTablesAndFields from getExcludeListArray() for every non-admin, and
 * fillInFieldArray() skips ("continue") each incoming field listed there
 * (TYPO3-CMS/core, Classes/DataHandling/DataHandler.php, 12.4 and 13.4). A field is listed when
 * the user's groups hold a non_exclude_fields list and either the field's TCA sets
 * "exclude" (13.4: FieldTypeInterface::supportsAccessControl()) and "<table>:<field>" is not in
 * that list, or its displayCond is "HIDE_FOR_NON_ADMINS". fillInFieldArray() also ignores
 * fields that have no TCA column (pid is handled by DataHandler itself).
 *
 * news marks teaser, author, hidden and fal_media as exclude fields
 * (georgringer/news, Configuration/TCA/tx_news_domain_model_news.php, 11.4.3 and 12.3.2), so a
 * group with table rights only lost teaser and author on real TYPO3 12.4 with a 201 answer.
 * The connector asks this class before it writes and refuses instead of losing them.
 */
final class FieldAccess
{
    /** Fields DataHandler writes without a TCA column. */
    private const SPECIAL_FIELDS = ['pid', 'uid'];

    /** @var array<string,true>|null "table:field" granted; null: the groups carry no list, nothing is excluded */
    private readonly ?array $granted;

    /**
     * @param array<string,array<string,mixed>> $tca $GLOBALS['TCA'] (or the tables needed of it)
     * @param string|null $nonExcludeFields the user's groupData['non_exclude_fields'] (null when unset)
     */
    public function __construct(
        private readonly array $tca,
        ?string $nonExcludeFields,
        private readonly bool $admin,
    ) {
        $this->granted = $nonExcludeFields === null
            ? null
            : array_fill_keys(array_filter(array_map('trim', explode(',', $nonExcludeFields)), static fn (string $v): bool => $v !== ''), true);
    }

    public static function grant(string $table, string $field): string
    {
        return $table . ':' . $field;
    }

    public function hasColumn(string $table, string $field): bool
    {
        return in_array($field, self::SPECIAL_FIELDS, true) || isset($this->tca[$table]['columns'][$field]);
    }

    /** Whether DataHandler lets this user write the field (a missing column is never written). */
    public function isWritable(string $table, string $field): bool
    {
        if (in_array($field, self::SPECIAL_FIELDS, true)) {
            return true;
        }
        $column = $this->tca[$table]['columns'][$field] ?? null;
        if (!is_array($column)) {
            return false;
        }
        if ($this->admin || $this->granted === null) {
            return true;
        }
        if (($column['displayCond'] ?? '') === 'HIDE_FOR_NON_ADMINS') {
            return false;
        }
        return !($column['exclude'] ?? false) || isset($this->granted[self::grant($table, $field)]);
    }

    /**
     * @param list<string> $fields
     * @return list<string> "table:field" of each field DataHandler would drop for this user
     */
    public function notWritable(string $table, array $fields): array
    {
        $dropped = [];
        foreach ($fields as $field) {
            if (!$this->isWritable($table, $field)) {
                $dropped[] = self::grant($table, $field);
            }
        }
        return $dropped;
    }

    /**
     * The fields of one datamap row that would be lost: not writable, and the value sent
     * differs from what the row holds afterwards anyway (the current value on an update,
     * the TCA default on a create). An unchanged or default value is not lost.
     *
     * @param array<string,mixed> $fields field => value about to be sent
     * @param array<string,mixed>|null $existingRow the row being updated, null on create
     * @return array<string,string> field => what the admin must do
     */
    public function lostFields(string $table, array $fields, ?array $existingRow): array
    {
        $lost = [];
        foreach ($fields as $field => $value) {
            if ($this->isWritable($table, (string)$field)) {
                continue;
            }
            $current = $existingRow !== null && array_key_exists($field, $existingRow)
                ? $existingRow[$field]
                : ($this->tca[$table]['columns'][$field]['config']['default'] ?? '');
            if ((string)$value === (string)$current) {
                continue;
            }
            $lost[(string)$field] = $this->remedy($table, (string)$field);
        }
        return $lost;
    }

    /**
     * Refuses (403 forbidden, before anything is written) when DataHandler would drop a value
     * of these datamap rows. details maps each request key (or "table:field") to its remedy.
     *
     * @param list<array{0:string,1:array<string,mixed>,2:array<string,mixed>|null}> $rows table, fields, existing row (null on create)
     * @param array<string,string> $requestKeys "table:field" => the request key the value comes from
     * @throws InvalidPayload code forbidden
     */
    public function assertNothingLost(array $rows, array $requestKeys = []): void
    {
        $details = [];
        foreach ($rows as [$table, $fields, $existing]) {
            foreach ($this->lostFields($table, $fields, $existing) as $field => $remedy) {
                $details[$requestKeys[self::grant($table, $field)] ?? self::grant($table, $field)] = $remedy;
            }
        }
        if ($details !== []) {
            throw InvalidPayload::forbidden(
                'Nothing was written: the service user may not write ' . implode(', ', array_keys($details))
                . ', and DataHandler would drop them without an error. Grant the excluded fields named in "details" to its group (or run "cms-bridge sites check").',
                $details,
            );
        }
    }

    /** One sentence naming the exact grant, or saying that the column does not exist. */
    public function remedy(string $table, string $field): string
    {
        if (!$this->hasColumn($table, $field)) {
            return sprintf('%s has no TCA column "%s" on this site (is a supported version of its extension installed?)', $table, $field);
        }
        return sprintf('the service user may not write %s (an excluded field): add "%s" to its group\'s "Allowed excludefields" (TYPO3 13.4: "Allowed fields")', self::grant($table, $field), self::grant($table, $field));
    }

    /**
     * Probe sentences, one per table, for every field in $fieldsByTable this user cannot write.
     *
     * @param array<string,list<string>> $fieldsByTable table => fields the reaction sends
     * @return array{not_writable:list<string>,problems:list<string>}
     */
    public function report(array $fieldsByTable, string $username): array
    {
        $notWritable = [];
        $problems = [];
        foreach ($fieldsByTable as $table => $fields) {
            if (!isset($this->tca[$table])) {
                continue;
            }
            $missing = array_values(array_filter($fields, fn (string $field): bool => !$this->hasColumn($table, $field)));
            $dropped = array_values(array_diff($this->notWritable($table, $fields), array_map(static fn (string $f): string => self::grant($table, $f), $missing)));
            $notWritable = [...$notWritable, ...$dropped];
            if ($dropped !== []) {
                $problems[] = sprintf(
                    'Backend user "%s" may not write %s; DataHandler would drop %s without an error: add %s to the group\'s "Allowed excludefields" (TYPO3 13.4: "Allowed fields").',
                    $username,
                    implode(', ', $dropped),
                    count($dropped) === 1 ? 'it' : 'them',
                    implode(', ', array_map(static fn (string $g): string => '"' . $g . '"', $dropped)),
                );
            }
            if ($missing !== []) {
                $problems[] = sprintf('Table %s has no TCA column %s on this site: is a supported version of its extension installed?', $table, implode(', ', $missing));
            }
        }
        return ['not_writable' => $notWritable, 'problems' => $problems];
    }
}
