#!/usr/bin/perl
# tests/cli/grow-trace.pl IN.dat OUT.dat COPIES OFFSET SIZE - a longer trace from a short one.
#
# IN is an uncompressed trace.dat version 6 whose last CPU block (OFFSET, SIZE,
# as `trace-cmd dump --flyrecord` prints them) ends the file. OUT is IN with
# that block repeated COPIES times: each copy's ring-buffer pages keep their
# events, their page timestamps move later by a whole span per copy, so time
# still runs forward. The CPU table entry of the block gets the new size.
use strict;
use warnings;

my ($in, $out, $copies, $off, $size) = @ARGV;
die "usage: grow-trace.pl IN OUT COPIES OFFSET SIZE\n" unless defined $size && $copies >= 1;

open(my $fh, '<:raw', $in) or die "$in: $!\n";
local $/;
my $data = <$fh>;
close $fh;
die "$in: the block [$off, +$size) does not end the file\n" if $off + $size != length $data;

# header: magic (3), "tracing", "6\0", endian, long size, page size
die "$in: not a version 6 trace.dat\n" unless substr($data, 3, 9) eq "tracing6\0";
die "$in: not little endian with 8-byte longs\n"
	unless unpack('C', substr($data, 12, 1)) == 0 && unpack('C', substr($data, 13, 1)) == 8;
my $page = unpack('V', substr($data, 14, 4));
die "$in: block not made of whole pages\n" if $size % $page || $off % $page;

# the CPU table entry: (offset, size), each a little-endian u64, found exactly once
my $entry = pack('Q<Q<', $off, $size);
my $at = index($data, $entry);
die "$in: CPU table entry not found once\n"
	if $at < 0 || $at >= $off || index($data, $entry, $at + 1) >= 0;

my $block = substr($data, $off);
my $pages = $size / $page;
my ($first, $last);
for my $i (0 .. $pages - 1) {
	my $ts = unpack('Q<', substr($block, $i * $page, 8));
	$first = $ts unless defined $first;
	$last = $ts;
}
# whole span of the block, doubled, plus a second: the next copy starts after it
my $shift = 2 * ($last - $first) + 1_000_000_000;

open(my $oh, '>:raw', $out) or die "$out: $!\n";
print $oh substr($data, 0, $at), pack('Q<Q<', $off, $size * $copies),
	substr($data, $at + 16, $off - $at - 16);
for my $k (0 .. $copies - 1) {
	my $copy = $block;
	for my $i (0 .. $pages - 1) {
		my $ts = unpack('Q<', substr($copy, $i * $page, 8));
		substr($copy, $i * $page, 8) = pack('Q<', $ts + $k * $shift);
	}
	print $oh $copy;
}
close $oh or die "$out: $!\n";
