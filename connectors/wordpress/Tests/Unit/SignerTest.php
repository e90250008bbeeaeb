<?php

use CmsBridge\Connector\Signer;
use PHPUnit\Framework\TestCase;

final class SignerTest extends TestCase
{
    /** The example of the Standard Webhooks specification (also what the Python `standardwebhooks` package signs). */
    public function testSignsTheSpecificationsExample(): void
    {
        $this->assertSame(
            'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
            Signer::signature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')
        );
    }

    public function testTheSecretWorksWithoutItsPrefixAndWithSpacesAround(): void
    {
        $with = Signer::signature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_1', 1, 'x');
        $this->assertSame($with, Signer::signature("  MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n", 'msg_1', 1, 'x'));
    }

    public function testHeadersCarryIdTimestampAndSignature(): void
    {
        $h = Signer::headers('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
        $this->assertSame(['webhook-id', 'webhook-timestamp', 'webhook-signature'], array_keys($h));
        $this->assertSame('1614265330', $h['webhook-timestamp']);
        $this->assertStringStartsWith('v1,g0hM9', $h['webhook-signature']);
    }

    /** @dataProvider badSecrets */
    public function testABadSecretIsRefusedWithAMessage(string $secret, string $says): void
    {
        try {
            Signer::keyBytes($secret);
            $this->fail('accepted ' . $secret);
        } catch (InvalidArgumentException $e) {
            $this->assertStringContainsString($says, $e->getMessage());
        }
    }

    public function badSecrets(): array
    {
        return [
            'empty' => ['', 'empty'],
            'not base64' => ['whsec_not base64!!', 'whsec_'],
            'too short' => ['whsec_' . base64_encode('short'), '16 bytes'],
        ];
    }

    public function testIdsAreNewEachTime(): void
    {
        $a = Signer::newId();
        $this->assertMatchesRegularExpression('/^msg_[0-9a-f]{24}$/', $a);
        $this->assertNotSame($a, Signer::newId());
    }
}
