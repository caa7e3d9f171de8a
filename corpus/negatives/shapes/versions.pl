my %released = (
    'Test::Pass'        => '1.302103',
    'Getopt::Pass'      => '2.45',
);
