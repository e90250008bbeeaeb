<?php

declare(strict_types=1);

// PSR-4 autoloader for the connector's own classes (no Composer on the test machines).
spl_autoload_register(static function (string $class): void {
    $map = [
        'CmsBridge\\Connector\\Tests\\' => __DIR__ . '/',
        'CmsBridge\\Connector\\' => dirname(__DIR__) . '/Classes/',
    ];
    foreach ($map as $prefix => $directory) {
        if (str_starts_with($class, $prefix)) {
            $file = $directory . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
            if (is_file($file)) {
                require $file;
            }
            return;
        }
    }
});
