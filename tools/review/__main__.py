import sys

from tools.review.command import main

sys.exit(main())
