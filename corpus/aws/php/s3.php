<?php
use Aws\S3\S3Client;

$client = new S3Client([
    'version' => 'latest',
    'region'  => 'us-east-1',
    'credentials' => [
        'key'    => 'AKIASDJ7DIT6QHXLV5BR',
        'secret' => '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',
    ],
]);
