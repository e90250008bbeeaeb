<?php

declare(strict_types=1);

namespace CmsBridge\Connector\Tests\Support;

/**
 * Reads the class declarations of the connector's PHP files with PHP's own tokenizer,
 * without loading them: the TYPO3-facing classes (Classes/Reaction, Classes/Service)
 * cannot be loaded here because TYPO3 core is not installed, yet their declarations
 * (final? what do they extend and implement? which methods?) are what the TYPO3
 * container compiles, so the tests pin those.
 */
final class ClassDeclarations
{
    /** @var array<string,array{file:string,modifiers:list<string>,extends:?string,implements:list<string>,methods:array<string,string>}> FQCN => declaration */
    private array $classes = [];

    public function __construct(string $directory)
    {
        $files = new \RecursiveIteratorIterator(new \RecursiveDirectoryIterator($directory, \FilesystemIterator::SKIP_DOTS));
        foreach ($files as $file) {
            if ($file->getExtension() === 'php') {
                $this->read((string)$file);
            }
        }
        ksort($this->classes);
    }

    /** @return list<string> every class name found */
    public function names(): array
    {
        return array_keys($this->classes);
    }

    /** @return array{file:string,modifiers:list<string>,extends:?string,implements:list<string>,methods:array<string,string>} */
    public function get(string $class): array
    {
        if (!isset($this->classes[$class])) {
            throw new \OutOfBoundsException('No class ' . $class);
        }
        return $this->classes[$class];
    }

    /** True when the class or one of its (connector-local) parents implements $interface. */
    public function implements(string $class, string $interface): bool
    {
        while ($class !== null && isset($this->classes[$class])) {
            if (in_array($interface, $this->classes[$class]['implements'], true)) {
                return true;
            }
            $class = $this->classes[$class]['extends'];
        }
        return false;
    }

    /** Method signatures by name (lower-case), from the class and its connector-local parents. @return array<string,string> */
    public function methodsOf(string $class): array
    {
        $methods = [];
        while ($class !== null && isset($this->classes[$class])) {
            $methods += $this->classes[$class]['methods'];
            $class = $this->classes[$class]['extends'];
        }
        return $methods;
    }

    private function read(string $path): void
    {
        $tokens = \PhpToken::tokenize((string)file_get_contents($path));
        $namespace = '';
        $uses = [];
        $count = count($tokens);
        for ($i = 0; $i < $count; $i++) {
            $token = $tokens[$i];
            if ($token->is(T_NAMESPACE)) {
                $namespace = $this->nameAt($tokens, $i + 1);
            } elseif ($token->is(T_USE) && $this->depth($tokens, $i) === 0) {
                $name = $this->nameAt($tokens, $i + 1);
                if (preg_match('/^\\\\?[A-Za-z_][A-Za-z0-9_\\\\]*$/', $name) !== 1 || in_array(strtolower($name), ['function', 'const'], true)) {
                    continue; // a closure's use (…) or a function/const import
                }
                $alias = substr($name, (int)strrpos('\\' . $name, '\\'));
                $j = $this->skipName($tokens, $i + 1);
                if (isset($tokens[$j]) && $tokens[$j]->is(T_AS)) {
                    $alias = $this->nameAt($tokens, $j + 1);
                }
                $uses[$alias] = ltrim($name, '\\');
            } elseif ($token->is(T_CLASS) && !$this->isClassConstant($tokens, $i)) {
                $this->readClass($tokens, $i, $path, $namespace, $uses);
            }
        }
    }

    /** @param list<\PhpToken> $tokens @param array<string,string> $uses */
    private function readClass(array $tokens, int $at, string $path, string $namespace, array $uses): void
    {
        $modifiers = [];
        for ($k = $at - 1; $k >= 0 && ($tokens[$k]->isIgnorable() || $tokens[$k]->is([T_FINAL, T_ABSTRACT, T_READONLY])); $k--) {
            if (!$tokens[$k]->isIgnorable()) {
                $modifiers[] = strtolower($tokens[$k]->text);
            }
        }
        $name = $this->nameAt($tokens, $at + 1);
        $extends = null;
        $implements = [];
        $i = $this->skipName($tokens, $at + 1);
        for (; !$tokens[$i]->is('{'); $i++) {
            if ($tokens[$i]->is(T_EXTENDS)) {
                $extends = $this->resolve($this->nameAt($tokens, $i + 1), $namespace, $uses);
            } elseif ($tokens[$i]->is(T_IMPLEMENTS) || ($tokens[$i]->is(',') && $implements !== [])) {
                $implements[] = $this->resolve($this->nameAt($tokens, $i + 1), $namespace, $uses);
            }
        }
        $methods = [];
        $depth = 0;
        for ($j = $i; $j < count($tokens); $j++) {
            if ($tokens[$j]->is(['{', T_CURLY_OPEN, T_DOLLAR_OPEN_CURLY_BRACES])) {
                $depth++;
            } elseif ($tokens[$j]->is('}')) {
                if (--$depth === 0) {
                    break;
                }
            } elseif ($depth === 1 && $tokens[$j]->is(T_FUNCTION)) {
                [$method, $signature] = $this->signatureAt($tokens, $j);
                $methods[strtolower($method)] = $signature;
            }
        }
        $this->classes[ltrim($namespace . '\\' . $name, '\\')] = [
            'file' => $path,
            'modifiers' => $modifiers,
            'extends' => $extends,
            'implements' => $implements,
            'methods' => $methods,
        ];
    }

    /** The method's declaration from its modifiers to the return type, whitespace collapsed. @param list<\PhpToken> $tokens @return array{0:string,1:string} */
    private function signatureAt(array $tokens, int $at): array
    {
        $start = $at;
        while ($start > 0 && ($tokens[$start - 1]->isIgnorable() || $tokens[$start - 1]->is([T_PUBLIC, T_PROTECTED, T_PRIVATE, T_STATIC, T_FINAL, T_ABSTRACT]))) {
            $start--;
        }
        $text = '';
        $name = '';
        for ($i = $start; $i < count($tokens) && !$tokens[$i]->is(['{', ';']); $i++) {
            if ($tokens[$i]->is(T_COMMENT) || $tokens[$i]->is(T_DOC_COMMENT)) {
                continue;
            }
            if ($name === '' && $i > $at && $tokens[$i]->is(T_STRING)) {
                $name = $tokens[$i]->text;
            }
            $text .= $tokens[$i]->text;
        }
        $text = trim((string)preg_replace('/\s+/', ' ', $text));
        $text = (string)preg_replace(['/\( /', '/ \)/', '/,\)/', '/ ,/'], ['(', ')', ')', ','], $text);
        return [$name, $text];
    }

    /** @param array<string,string> $uses */
    private function resolve(string $name, string $namespace, array $uses): string
    {
        if (str_starts_with($name, '\\')) {
            return ltrim($name, '\\');
        }
        $first = explode('\\', $name)[0];
        if (isset($uses[$first])) {
            return $uses[$first] . substr($name, strlen($first));
        }
        return ltrim($namespace . '\\' . $name, '\\');
    }

    /** @param list<\PhpToken> $tokens */
    private function nameAt(array $tokens, int $at): string
    {
        while ($tokens[$at]->isIgnorable()) {
            $at++;
        }
        return $tokens[$at]->text;
    }

    /** @param list<\PhpToken> $tokens */
    private function skipName(array $tokens, int $at): int
    {
        while ($tokens[$at]->isIgnorable()) {
            $at++;
        }
        $at++;
        while (isset($tokens[$at]) && $tokens[$at]->isIgnorable()) {
            $at++;
        }
        return $at;
    }

    /** @param list<\PhpToken> $tokens */
    private function isClassConstant(array $tokens, int $at): bool
    {
        for ($k = $at - 1; $k >= 0 && $tokens[$k]->isIgnorable(); $k--) {
        }
        return $k >= 0 && ($tokens[$k]->is(T_DOUBLE_COLON) || $tokens[$k]->is(T_NEW));
    }

    /** @param list<\PhpToken> $tokens */
    private function depth(array $tokens, int $at): int
    {
        $depth = 0;
        for ($k = 0; $k < $at; $k++) {
            if ($tokens[$k]->is(['{', T_CURLY_OPEN, T_DOLLAR_OPEN_CURLY_BRACES])) {
                $depth++;
            } elseif ($tokens[$k]->is('}')) {
                $depth--;
            }
        }
        return $depth;
    }
}
