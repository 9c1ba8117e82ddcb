/* corral daemon entry point (placeholder until the command line lands). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "corral: not yet\n");
	return 1;
}
